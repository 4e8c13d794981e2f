package dev.spindle.http;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One request and the response being built for it: what Flask splits into {@code request},
 * {@code g} and the response object, passed explicitly to every handler, hook and error handler.
 * <pre>{@code
 * app.get("/users/{id:int}", ctx -> users.find(ctx.pathParam("id", Integer.class)));   // returned value is the body
 * app.post("/users", ctx -> {
 *     User user = users.add(ctx.bodyAs(User.class));
 *     return ctx.status(201).header("Location", "/users/" + user.id()).json(user);
 * });
 * }</pre>
 *
 * <p><b>Request side:</b> method, path, path parameters (already converted by the route
 * template), query parameters, headers, cookies, the body (as bytes, text, stream, JSON, form
 * fields or uploaded files) and request attributes. Unless the route was declared with
 * {@code streamingBody(maxBytes)}, the body was received in full, bounded by the body limit,
 * before the handler was called, so no method here waits on the client; every body view can be
 * read any number of times.
 *
 * <p><b>Response side:</b> status, headers, cookies and a body, or an event stream. Handlers
 * usually just return the body (see {@link Handler} for how a returned value is written); what
 * they set here is kept, and a returned value replaces only the body and its content type. The
 * response is sent by the server after the after hooks have run, never by a method of this
 * interface: nothing here touches the network.
 *
 * <p><b>Errors:</b> methods that read the request throw {@link HttpException} when the request
 * itself is at fault (400 for a malformed number, form or JSON body, 415 for a body that is not
 * JSON), so a handler can call them without checks and the client gets a problem body. Methods
 * that build the response throw {@link IllegalArgumentException} for what no response may carry
 * (a header value with a line break, a status outside 100–599): a bug to fix, answered 500.
 *
 * <p><b>Threading:</b> a context belongs to one request and is used by one thread at a time: the
 * thread the route's threading mode chose, then, for a handler that returns a
 * {@code CompletionStage}, the thread that completes it. Each hand-over is published by the
 * framework. The context is not safe to share with threads the handler starts itself; give them
 * the values they need instead. No method blocks, except reading the body of a streaming route.
 *
 * <p>Spindle creates every context; applications use this interface and need never implement it,
 * though a test double may.
 */
public interface Context {

    // ---- the request ----

    /** The request method as sent, e.g. {@code GET}. */
    String method();

    /** The decoded request path, without the query string, e.g. {@code /users/7}. */
    String path();

    /** The matched route's template, e.g. {@code /users/{id:int}}: low-cardinality, fit for logs and metrics. */
    String routeTemplate();

    /**
     * This request's id: the client's {@code X-Request-Id} if it sent a valid one, otherwise
     * generated. It is sent back in {@code X-Request-Id} and quoted in error bodies and logs.
     */
    String requestId();

    /** All path parameters, converted by their template converters; unmodifiable. */
    Map<String, Object> pathParams();

    /** The path parameter as text, or {@code null} if the route has none of that name. */
    default String pathParam(String name) {
        Object value = pathParams().get(name);
        return value == null ? null : value.toString();
    }

    /**
     * The path parameter as converted by its template converter: {@code {id:int}} gives an
     * {@code Integer}, {@code {x:float}} a {@code Double}, {@code {u:uuid}} a {@code UUID}, any
     * other a {@code String}; {@code int.class} and {@code double.class} are accepted for their boxes.
     *
     * @throws IllegalArgumentException if the route has no such parameter or it has another type:
     *         a mismatch between handler and template, not a client error
     */
    <T> T pathParam(String name, Class<T> type);

    /** The raw query string, without {@code ?}, or an empty string. */
    String queryString();

    /** All query parameters, decoded, in request order; unmodifiable. */
    Map<String, List<String>> queryParamMap();

    /** The first value of a query parameter, or {@code null}. */
    default String queryParam(String name) {
        List<String> values = queryParamMap().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The first value of a query parameter, or {@code defaultValue}. */
    default String queryParam(String name, String defaultValue) {
        String value = queryParam(name);
        return value == null ? defaultValue : value;
    }

    /** Every value of a query parameter, e.g. {@code ["a", "b"]} for {@code ?tag=a&tag=b}; empty if absent. */
    default List<String> queryParams(String name) {
        return queryParamMap().getOrDefault(name, List.of());
    }

    /**
     * A query parameter as an {@code int}, or {@code defaultValue} if absent or empty.
     *
     * @throws HttpException 400 naming the parameter if it is not an integer or does not fit an {@code int}
     */
    int queryParamAsInt(String name, int defaultValue);

    /**
     * A query parameter as a {@code long}, or {@code defaultValue} if absent or empty.
     *
     * @throws HttpException 400 naming the parameter if it is not an integer
     */
    long queryParamAsLong(String name, long defaultValue);

    /**
     * A query parameter as a {@code double}, or {@code defaultValue} if absent or empty.
     *
     * @throws HttpException 400 naming the parameter if it is not a number
     */
    double queryParamAsDouble(String name, double defaultValue);

    /** The first value of a request header (case-insensitive name), or {@code null}. */
    String header(String name);

    /** Every value of a request header, in request order; empty if absent. */
    List<String> headers(String name);

    /** The names of the request headers. */
    Collection<String> headerNames();

    /** The request cookies by name (the first of a repeated name); unmodifiable. */
    Map<String, String> cookies();

    /**
     * A request cookie's value, or {@code null}.
     *
     * @throws HttpException 400 if the request carries more cookies than the server accepts
     */
    default String cookie(String name) {
        return cookies().get(name);
    }

    /** The request's {@code Content-Type} without parameters, lower case, e.g. {@code application/json}; or {@code null}. */
    String contentType();

    /**
     * Whether the client's {@code Accept} header ranks HTML above JSON, by quality values: browsers
     * send {@code text/html,…,*}{@code /*;q=0.8} and get HTML; API clients, {@code *}{@code /*} or
     * no header get JSON. HTML named explicitly beats a wildcard of the same quality; JSON named
     * explicitly wins a tie with HTML. Error bodies follow it ({@link Problem#writeTo}).
     */
    boolean prefersHtml();

    /** The client's address as {@code ip:port}: the peer of the connection, which may be a proxy. */
    String remoteAddress();

    /** {@code http} or {@code https}. */
    String scheme();

    /** The host the client addressed, from {@code Host}. */
    String host();

    // ---- the request body ----

    /** The raw body; empty if there is none. On a streaming route, the first call reads it all. */
    byte[] bodyBytes();

    /** The body decoded as UTF-8. */
    default String body() {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    /**
     * The body as a stream: from memory (reading never blocks on the network), or, on a route
     * declared with {@code streamingBody(maxBytes)}, as it arrives, in which case a read waits for
     * the client: the server's IO thread receives at most what the read asks for and hands it
     * over, so read in large pieces ({@code transferTo}, {@code readAllBytes}, an 8 KiB array).
     */
    InputStream bodyStream();

    /**
     * The JSON body as {@code type}, read by the app's {@code JsonMapper}. A body without a
     * {@code Content-Type} is taken for JSON.
     *
     * @throws HttpException 415 if the request says its body is not JSON ({@code application/json}
     *         or {@code application/*+json}); 400 if the body is empty, malformed, or does not fit
     *         {@code type} (the detail names the field or position, never a Java type)
     */
    <T> T bodyAs(Class<T> type);

    /**
     * All form fields of an {@code application/x-www-form-urlencoded} or {@code multipart/form-data}
     * body, in body order; empty for any other body. Parsed on the first call.
     *
     * @throws HttpException 400 if the body is malformed (for multipart, also without a boundary)
     */
    Map<String, List<String>> formParamMap();

    /**
     * The first value of a form field, or {@code null}.
     *
     * @throws HttpException 400 as {@link #formParamMap()}
     */
    default String formParam(String name) {
        List<String> values = formParamMap().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /**
     * Every value of a form field; empty if absent.
     *
     * @throws HttpException 400 as {@link #formParamMap()}
     */
    default List<String> formParams(String name) {
        return formParamMap().getOrDefault(name, List.of());
    }

    /**
     * Every file uploaded in field {@code name} of a {@code multipart/form-data} body; empty if
     * none, or if the body is not multipart.
     *
     * @throws HttpException 400 if the multipart body is malformed
     */
    List<UploadedFile> uploadedFiles(String name);

    /**
     * The first file uploaded in field {@code name}, or {@code null}.
     *
     * @throws HttpException 400 as {@link #uploadedFiles(String)}
     */
    default UploadedFile uploadedFile(String name) {
        List<UploadedFile> files = uploadedFiles(name);
        return files.isEmpty() ? null : files.getFirst();
    }

    // ---- request attributes ----

    /** A request attribute set earlier in this request (Flask's {@code g}), or {@code null}. */
    <T> T attribute(AttributeKey<T> key);

    /** Sets a request attribute, visible to the later hooks, handler and error handler of this request. */
    <T> Context attribute(AttributeKey<T> key, T value);

    // ---- the response ----

    /**
     * The response status so far: 200 unless set. An error handler sees the error's status
     * already set; an after hook sees the status the handler or error handler left.
     */
    int status();

    /**
     * Sets the response status.
     *
     * @throws IllegalArgumentException if {@code status} is not between 100 and 599
     */
    Context status(int status);

    /**
     * Sets a response header, replacing earlier values.
     *
     * @throws IllegalArgumentException for a null value, an empty or invalid name, or a value with
     *         CR, LF or NUL, which could end the header block early and let request data (say, a
     *         redirect target) inject headers or a body
     */
    Context header(String name, String value);

    /**
     * Adds a response header value, keeping earlier ones.
     *
     * @throws IllegalArgumentException as {@link #header(String, String)}
     */
    Context addHeader(String name, String value);

    /** The first value of a response header set so far (case-insensitive name), or {@code null}. */
    String responseHeader(String name);

    /**
     * Sets the response {@code Content-Type}, e.g. {@code text/csv}.
     *
     * @throws IllegalArgumentException as {@link #header(String, String)}
     */
    default Context contentType(String contentType) {
        return header("Content-Type", contentType);
    }

    /**
     * Adds a response cookie ({@code Set-Cookie}); the {@link Cookie} checked its name and value when made.
     *
     * @throws NullPointerException if {@code cookie} is null
     */
    Context cookie(Cookie cookie);

    /** Tells the client to delete a cookie: sets it empty with {@code Max-Age=0}. */
    default Context removeCookie(String name) {
        return cookie(Cookie.of(name, "").maxAge(Duration.ZERO));
    }

    /** The response body so far, or {@code null} if none was set: what an after hook reads to change it. */
    byte[] responseBody();

    /**
     * Sets the response body, or clears it with {@code null}; the content type is left as it is
     * (a body without one is sent as {@code application/octet-stream}).
     */
    Context responseBody(byte[] body);

    /** Sets the body to {@code text} as {@code text/plain; charset=UTF-8}. */
    default Context text(String text) {
        return contentType("text/plain; charset=UTF-8").responseBody(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sets the body to {@code html} as {@code text/html; charset=UTF-8}. */
    default Context html(String html) {
        return contentType("text/html; charset=UTF-8").responseBody(html.getBytes(StandardCharsets.UTF_8));
    }

    /** Sets the body to {@code value} written as JSON by the app's {@code JsonMapper}, as {@code application/json}. */
    Context json(Object value);

    /**
     * Answers with a stream of server-sent events ({@code text/event-stream}) instead of a body;
     * the handler then returns {@code null}. Sets status 200, the content type and
     * {@code Cache-Control: no-cache}, and drops any body set so far. Once the response headers are
     * written, {@code source} is called with the open stream, on the server's IO thread, so it must
     * not block: keep the sink and {@link EventSink#send send} to it from whatever thread produces
     * the events.
     * <pre>{@code
     * app.get("/ticks", ctx -> {
     *     ctx.eventStream(sink -> ticker.subscribe(tick -> sink.send("tick", tick.toJson())));
     *     return null;
     * });
     * }</pre>
     * An error raised later in the pipeline replaces the stream with the error response.
     *
     * @throws NullPointerException if {@code source} is null
     */
    void eventStream(Consumer<EventSink> source);

    /**
     * Redirects with {@code 302 Found}.
     *
     * @throws IllegalArgumentException as {@link #header(String, String)}: a location built from
     *         request data that carries a line break is refused, not sent
     */
    default Context redirect(String location) {
        return redirect(location, HttpStatus.FOUND);
    }

    /**
     * Redirects with the given 3xx status: sets it and {@code Location}, and drops any body set so far.
     *
     * @throws IllegalArgumentException if {@code status} is not 3xx, or as {@link #header(String, String)}
     */
    Context redirect(String location, int status);
}
