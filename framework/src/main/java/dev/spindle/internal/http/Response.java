package dev.spindle.internal.http;

import dev.spindle.http.Cookie;
import dev.spindle.http.EventSink;
import dev.spindle.http.HttpStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The response a request's hooks, handler and error handler build, until the server adapter
 * writes it. Only the context changes it; the adapter reads it, so every header that reaches the
 * wire went through {@link #checked}.
 *
 * <p>Most responses carry one header, {@code Content-Type}, so it has a field of its own and the
 * other headers live in a flat name/value array that exists only once one is set: a plain response
 * allocates no header structure at all.
 */
public final class Response {

    private static final String CONTENT_TYPE = "Content-Type";

    private int status = HttpStatus.OK;
    /** The first {@code Content-Type} value; any further ones added are in {@link #headers}. */
    private String contentType;
    /** Names at even indexes, each followed by its value; {@code null} until a header other than the first Content-Type is set. */
    private String[] headers;
    private int headerCount;
    private List<Cookie> cookies;
    private byte[] body;
    private Consumer<EventSink> eventStream;

    Response() {
    }

    public int status() {
        return status;
    }

    void status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("Not an HTTP status: " + status);
        }
        this.status = status;
    }

    /** The {@code Content-Type} set, or {@code null}; further values, if any were added, are among the headers. */
    public String contentType() {
        return contentType;
    }

    /** How many headers besides {@link #contentType()} are set; each value of a repeated header counts. */
    public int headerCount() {
        return headerCount;
    }

    /** The name of header {@code index}, as it was set. */
    public String headerName(int index) {
        return headers[Objects.checkIndex(index, headerCount) * 2];
    }

    /** The value of header {@code index}. */
    public String headerValue(int index) {
        return headers[Objects.checkIndex(index, headerCount) * 2 + 1];
    }

    /** The first value of the header named {@code name} (any case), or {@code null}. */
    String header(String name) {
        if (contentType != null && CONTENT_TYPE.equalsIgnoreCase(name)) {
            return contentType;
        }
        for (int i = 0; i < headerCount; i++) {
            if (headers[i * 2].equalsIgnoreCase(name)) {
                return headers[i * 2 + 1];
            }
        }
        return null;
    }

    /** Sets {@code name} to {@code value}, replacing every value it had. */
    void header(String name, String value) {
        checked(name, value);
        remove(name);
        if (CONTENT_TYPE.equalsIgnoreCase(name)) {
            contentType = value;
        } else {
            append(name, value);
        }
    }

    /** Adds a value to {@code name}, after the ones it has. */
    void addHeader(String name, String value) {
        checked(name, value);
        if (contentType == null && CONTENT_TYPE.equalsIgnoreCase(name)) {
            contentType = value;
        } else {
            append(name, value);
        }
    }

    private void append(String name, String value) {
        if (headers == null) {
            headers = new String[8];
        } else if (headerCount * 2 == headers.length) {
            headers = Arrays.copyOf(headers, headers.length * 2);
        }
        headers[headerCount * 2] = name;
        headers[headerCount * 2 + 1] = value;
        headerCount++;
    }

    private void remove(String name) {
        if (CONTENT_TYPE.equalsIgnoreCase(name)) {
            contentType = null;
        }
        int kept = 0;
        for (int i = 0; i < headerCount; i++) {
            if (!headers[i * 2].equalsIgnoreCase(name)) {
                headers[kept * 2] = headers[i * 2];
                headers[kept * 2 + 1] = headers[i * 2 + 1];
                kept++;
            }
        }
        if (headers != null) {
            Arrays.fill(headers, kept * 2, headerCount * 2, null);
        }
        headerCount = kept;
    }

    /**
     * Refuses what would corrupt the response head: a value with CR or LF could end the header
     * block early and let request data (say, a redirect target) inject headers or a body.
     */
    private static void checked(String name, String value) {
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
    }

    public List<Cookie> cookies() {
        return cookies == null ? List.of() : Collections.unmodifiableList(cookies);
    }

    void cookie(Cookie cookie) {
        if (cookies == null) {
            cookies = new ArrayList<>(2);
        }
        cookies.add(Objects.requireNonNull(cookie));
    }

    /** The body, or {@code null} for none (an event stream has none). */
    public byte[] body() {
        return body;
    }

    void body(byte[] body) {
        this.body = body;
    }

    /** The source of a {@code text/event-stream} response, or {@code null} for an ordinary one. */
    public Consumer<EventSink> eventStream() {
        return eventStream;
    }

    void eventStream(Consumer<EventSink> source) {
        eventStream = Objects.requireNonNull(source);
        body = null;
        status = HttpStatus.OK;
        header(CONTENT_TYPE, "text/event-stream; charset=UTF-8");
        header("Cache-Control", "no-cache");
    }

    void redirect(String location, int status) {
        if (status < 300 || status > 399) {
            throw new IllegalArgumentException("A redirect needs a 3xx status, not " + status);
        }
        body = null;
        this.status = status;
        header("Location", location);
    }

    /** Error handling starts from a clean response, so nothing the failed handler set leaks into the error's. */
    void reset() {
        status = HttpStatus.OK;
        contentType = null;
        if (headers != null) {
            Arrays.fill(headers, 0, headerCount * 2, null);
        }
        headerCount = 0;
        cookies = null;
        body = null;
        eventStream = null;
    }
}
