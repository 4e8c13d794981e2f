package dev.spindle.http;

import dev.spindle.internal.http.ServerRequest;
import dev.spindle.json.InvalidJsonException;
import dev.spindle.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request and the response being built for it: what Flask splits into {@code request},
 * {@code g} and the response object, passed explicitly to every handler and hook.
 *
 * <p>Request side: method, path, path parameters (converted by the route template), query
 * parameters, headers, cookies, form fields, the body (already received in full before the handler
 * runs, bounded by the body limit) and request attributes. Response side: status, headers, cookies
 * and a body; handlers usually just return the body instead.
 *
 * <p><b>Threading:</b> a context belongs to one request and is used by one thread at a time
 * (the handler thread; hand-overs between threads are published by the dispatcher). It is not
 * safe to share with threads the handler starts itself.
 */
public final class Context {

    private static final String JSON = "application/json";

    private final ServerRequest request;
    private final JsonMapper json;
    private final String requestId;
    private final String routeTemplate;
    private final Map<String, Object> pathParams;
    private Map<AttributeKey<?>, Object> attributes;
    private Map<String, List<String>> formParams;

    private int status = HttpStatus.OK;
    private final Map<String, List<String>> responseHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final List<Cookie> responseCookies = new ArrayList<>(0);
    private byte[] responseBody;
    private java.util.function.Consumer<EventSink> eventStream;

    /**
     * Created by the server adapter for each matched request.
     *
     * @param routeTemplate the matched route's template, e.g. {@code /users/{id:int}}
     * @param pathParams path parameter values already converted ({@code Integer}, {@code Double}, {@code UUID}, {@code String})
     */
    public Context(ServerRequest request, JsonMapper json, String requestId, String routeTemplate,
                   Map<String, Object> pathParams) {
        this.request = request;
        this.json = json;
        this.requestId = requestId;
        this.routeTemplate = routeTemplate;
        this.pathParams = pathParams;
    }

    // ---- request ----

    public String method() {
        return request.method();
    }

    /** The decoded request path, e.g. {@code /users/7}. */
    public String path() {
        return request.path();
    }

    /** The matched route's template, e.g. {@code /users/{id:int}}: low-cardinality, fit for logs and metrics. */
    public String routeTemplate() {
        return routeTemplate;
    }

    /** This request's id: the client's {@code X-Request-Id} if it sent a valid one, otherwise generated. Sent back in {@code X-Request-Id}. */
    public String requestId() {
        return requestId;
    }

    /** The path parameter as text, or {@code null} if the route has none of that name. */
    public String pathParam(String name) {
        Object value = pathParams.get(name);
        return value == null ? null : value.toString();
    }

    /**
     * The path parameter as converted by its template converter: {@code {id:int}} gives an
     * {@code Integer}, {@code {x:float}} a {@code Double}, {@code {u:uuid}} a {@code UUID}.
     *
     * @throws IllegalArgumentException if there is no such parameter or it has another type
     */
    public <T> T pathParam(String name, Class<T> type) {
        Object value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("Route " + routeTemplate + " has no path parameter '" + name + "'");
        }
        Class<?> boxed = type == int.class ? Integer.class : type == double.class ? Double.class : type;
        if (!boxed.isInstance(value)) {
            throw new IllegalArgumentException("Path parameter '" + name + "' of " + routeTemplate + " is a "
                    + value.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T typed = (T) value;
        return typed;
    }

    /** All path parameters, converted. */
    public Map<String, Object> pathParams() {
        return Collections.unmodifiableMap(pathParams);
    }

    /** The raw query string without {@code ?}, or an empty string. */
    public String queryString() {
        return request.queryString();
    }

    /** The first value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        List<String> values = request.queryParams().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The first value of a query parameter, or {@code defaultValue}. */
    public String queryParam(String name, String defaultValue) {
        String value = queryParam(name);
        return value == null ? defaultValue : value;
    }

    /** Every value of a query parameter, e.g. {@code ?tag=a&tag=b}. */
    public List<String> queryParams(String name) {
        return request.queryParams().getOrDefault(name, List.of());
    }

    /** All query parameters. */
    public Map<String, List<String>> queryParamMap() {
        return request.queryParams();
    }

    /** A query parameter as an {@code int}, or {@code defaultValue} if absent; 400 if it is not a number. */
    public int queryParamAsInt(String name, int defaultValue) {
        long value = queryParamAsLong(name, defaultValue);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' is out of range: " + value);
        }
        return (int) value;
    }

    /** A query parameter as a {@code long}, or {@code defaultValue} if absent; 400 if it is not a number. */
    public long queryParamAsLong(String name, long defaultValue) {
        String value = queryParam(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' must be an integer, was '" + value + "'");
        }
    }

    /** A query parameter as a {@code double}, or {@code defaultValue} if absent; 400 if it is not a number. */
    public double queryParamAsDouble(String name, double defaultValue) {
        String value = queryParam(name);
        if (value == null || value.isEmpty()) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "Query parameter '" + name + "' must be a number, was '" + value + "'");
        }
    }

    /** The first value of a request header (case-insensitive), or {@code null}. */
    public String header(String name) {
        return request.header(name);
    }

    /** Every value of a request header. */
    public List<String> headers(String name) {
        return request.headers(name);
    }

    /** Names of the request headers. */
    public Collection<String> headerNames() {
        return request.headerNames();
    }

    /** A request cookie's value, or {@code null}. */
    public String cookie(String name) {
        return request.cookies().get(name);
    }

    /** All request cookies. */
    public Map<String, String> cookies() {
        return request.cookies();
    }

    /** The request's {@code Content-Type} without parameters, lower case, or {@code null}. */
    public String contentType() {
        String value = request.header("Content-Type");
        if (value == null) {
            return null;
        }
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** The client's address, {@code ip:port}. */
    public String remoteAddress() {
        return request.remoteAddress();
    }

    /** {@code http} or {@code https}. */
    public String scheme() {
        return request.scheme();
    }

    /** The host the client addressed. */
    public String host() {
        return request.host();
    }

    /** The raw body. */
    public byte[] bodyBytes() {
        return request.body();
    }

    /** The body decoded as UTF-8. */
    public String body() {
        return new String(request.body(), StandardCharsets.UTF_8);
    }

    /**
     * The body as a stream: from memory (reading never blocks on the network), or, on a route
     * declared with {@code streamingBody(maxBytes)}, straight from the network as it arrives.
     */
    public InputStream bodyStream() {
        return request.bodyStream();
    }

    /**
     * The JSON body as {@code type}.
     *
     * @throws HttpException 415 if the request says its body is not JSON, 400 if the body is empty,
     *         malformed or does not fit {@code type} (the detail names the field or position)
     */
    public <T> T bodyAs(Class<T> type) {
        String contentType = contentType();
        if (contentType != null && !contentType.equals(JSON) && !contentType.endsWith("+json")) {
            throw new HttpException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Expected a JSON body (Content-Type: application/json), got " + contentType);
        }
        byte[] body = request.body();
        if (body.length == 0) {
            throw new HttpException(HttpStatus.BAD_REQUEST, "The request body is empty; expected JSON");
        }
        try {
            return json.read(body, type);
        } catch (InvalidJsonException e) {
            throw new HttpException(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    /** The first value of a form field, from a urlencoded or multipart body, or {@code null}. */
    public String formParam(String name) {
        List<String> values = formParamMap().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Every value of a form field. */
    public List<String> formParams(String name) {
        return formParamMap().getOrDefault(name, List.of());
    }

    /** All form fields of a {@code application/x-www-form-urlencoded} or {@code multipart/form-data} body. */
    public Map<String, List<String>> formParamMap() {
        if (formParams == null) {
            String contentType = contentType();
            if ("application/x-www-form-urlencoded".equals(contentType)) {
                formParams = parseUrlEncoded(body());
            } else if ("multipart/form-data".equals(contentType)) {
                formParams = request.multipart().fields();
            } else {
                formParams = Map.of();
            }
        }
        return formParams;
    }

    /** The first file uploaded in field {@code name} of a multipart body, or {@code null}. */
    public UploadedFile uploadedFile(String name) {
        List<UploadedFile> files = uploadedFiles(name);
        return files.isEmpty() ? null : files.getFirst();
    }

    /** Every file uploaded in field {@code name}. */
    public List<UploadedFile> uploadedFiles(String name) {
        if (!"multipart/form-data".equals(contentType())) {
            return List.of();
        }
        return request.multipart().files().getOrDefault(name, List.of());
    }

    /** A request attribute set earlier in this request (Flask's {@code g}), or {@code null}. */
    public <T> T attribute(AttributeKey<T> key) {
        return attributes == null ? null : key.cast(attributes.get(key));
    }

    /** Sets a request attribute, visible to later hooks and the handler of this request. */
    public <T> Context attribute(AttributeKey<T> key, T value) {
        if (attributes == null) {
            attributes = new HashMap<>();
        }
        attributes.put(key, value);
        return this;
    }

    // ---- response ----

    /** The response status so far (200 unless set). */
    public int status() {
        return status;
    }

    public Context status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("Not an HTTP status: " + status);
        }
        this.status = status;
        return this;
    }

    /**
     * Clears status, headers, cookies and body, as error handling does before it writes the error
     * response (the {@code X-Request-Id} header is kept).
     */
    public Context resetResponse() {
        status = HttpStatus.OK;
        responseHeaders.clear();
        responseCookies.clear();
        responseBody = null;
        eventStream = null;
        return this;
    }

    /**
     * Sets a response header, replacing earlier values.
     *
     * @throws IllegalArgumentException for a null value, an invalid name, or a value with CR or LF
     */
    public Context header(String name, String value) {
        List<String> values = new ArrayList<>(1);
        values.add(checkHeader(name, value));
        responseHeaders.put(name, values);
        return this;
    }

    /** Adds a response header value, keeping earlier ones. */
    public Context addHeader(String name, String value) {
        responseHeaders.computeIfAbsent(name, n -> new ArrayList<>(1)).add(checkHeader(name, value));
        return this;
    }

    /**
     * Refuses what would corrupt the response head: a value with CR or LF could end the header
     * block early and let request data (say, a redirect target) inject headers or a body.
     */
    private static String checkHeader(String name, String value) {
        if (name == null || name.isEmpty() || value == null) {
            throw new IllegalArgumentException("A response header needs a name and a value, got " + name + ": " + value);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == ':') {
                throw new IllegalArgumentException("Invalid character in response header name '" + name + "'");
            }
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Response header " + name + " must not contain CR, LF or NUL");
        }
        return value;
    }

    /** A response header set so far, or {@code null}. */
    public String responseHeader(String name) {
        List<String> values = responseHeaders.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The response headers set so far (live view, case-insensitive names). */
    public Map<String, List<String>> responseHeaders() {
        return responseHeaders;
    }

    /** Sets a response cookie. */
    public Context cookie(Cookie cookie) {
        responseCookies.add(cookie);
        return this;
    }

    /** Tells the client to delete a cookie. */
    public Context removeCookie(String name) {
        return cookie(Cookie.of(name, "").maxAge(java.time.Duration.ZERO));
    }

    /** Response cookies set so far. */
    public List<Cookie> responseCookies() {
        return Collections.unmodifiableList(responseCookies);
    }

    /** Sets the response {@code Content-Type}. */
    public Context contentType(String contentType) {
        return header("Content-Type", contentType);
    }

    /** The response body so far, or {@code null} if none was set. */
    public byte[] responseBody() {
        return responseBody;
    }

    /** Sets the response body; the content type is left as it is. */
    public Context responseBody(byte[] body) {
        this.responseBody = body;
        return this;
    }

    /** Sends {@code text} as {@code text/plain; charset=UTF-8}. */
    public Context text(String text) {
        return contentType("text/plain; charset=UTF-8").responseBody(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code html} as {@code text/html; charset=UTF-8}. */
    public Context html(String html) {
        return contentType("text/html; charset=UTF-8").responseBody(html.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code value} as JSON. */
    public Context json(Object value) {
        return contentType(JSON).responseBody(json.write(value));
    }

    /**
     * Answers with a stream of server-sent events ({@code text/event-stream}) instead of a body; the
     * handler then returns {@code null}. Once the response headers are written, {@code source} is
     * called with the open stream, on the server's IO thread, so it must not block: keep the sink
     * and {@link EventSink#send send} to it from whatever thread produces the events.
     * <pre>{@code
     * app.get("/ticks", ctx -> {
     *     ctx.eventStream(sink -> ticker.subscribe(tick -> sink.send("tick", tick.toJson())));
     *     return null;
     * });
     * }</pre>
     * An error raised later in the pipeline replaces the stream with the error response.
     */
    public void eventStream(java.util.function.Consumer<EventSink> source) {
        this.eventStream = java.util.Objects.requireNonNull(source);
        responseBody = null;
        status(HttpStatus.OK).contentType("text/event-stream; charset=UTF-8").header("Cache-Control", "no-cache");
    }

    /** The event stream source set by {@link #eventStream(java.util.function.Consumer)}, or {@code null}: read by the server adapter. */
    public java.util.function.Consumer<EventSink> eventStream() {
        return eventStream;
    }

    /** Redirects with 302 Found. */
    public Context redirect(String location) {
        return redirect(location, HttpStatus.FOUND);
    }

    /** Redirects with the given 3xx status. */
    public Context redirect(String location, int status) {
        if (status < 300 || status > 399) {
            throw new IllegalArgumentException("A redirect needs a 3xx status, not " + status);
        }
        responseBody = null;
        return status(status).header("Location", location);
    }

    /**
     * Writes a handler's returned value as the response body, by its type: {@code String} as text
     * (HTML if it starts with {@code <}), {@code byte[]} and {@code InputStream} as octet stream,
     * {@code null} (or the context itself, as fluent calls like {@code ctx.status(201).json(x)}
     * return it) as nothing, anything else as JSON.
     */
    public Context result(Object value) {
        switch (value) {
            case null -> { }
            case Context written -> { }
            case String text when text.startsWith("<") -> html(text);
            case String text -> text(text);
            case byte[] bytes -> contentType("application/octet-stream").responseBody(bytes);
            case InputStream stream -> contentType("application/octet-stream").responseBody(readAll(stream));
            default -> json(value);
        }
        return this;
    }

    /**
     * Whether the client's {@code Accept} header ranks HTML above JSON, by quality values: browsers
     * send {@code text/html,…,*}{@code /*;q=0.8} and get HTML; API clients, {@code *}{@code /*} or
     * no header get JSON. HTML named explicitly beats a wildcard of the same quality; JSON named
     * explicitly wins a tie with HTML.
     */
    public boolean prefersHtml() {
        String accept = request.header("Accept");
        if (accept == null) {
            return false;
        }
        double html = 0;
        double json = 0;
        double anything = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            double quality = quality(parts);
            switch (type) {
                case "text/html", "application/xhtml+xml" -> html = Math.max(html, quality);
                case "application/json", "application/problem+json" -> json = Math.max(json, quality);
                case "application/*", "*/*" -> anything = Math.max(anything, quality);
                default -> { }
            }
        }
        return html > 0 && html > json && html >= anything;
    }

    private static double quality(String[] mediaRangeParts) {
        for (int i = 1; i < mediaRangeParts.length; i++) {
            String param = mediaRangeParts[i].trim();
            if (param.startsWith("q=") || param.startsWith("Q=")) {
                try {
                    return Double.parseDouble(param.substring(2).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    private static byte[] readAll(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, List<String>> parseUrlEncoded(String body) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
            } catch (IllegalArgumentException e) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "Malformed form body: " + e.getMessage());
            }
        }
        return params;
    }
}
