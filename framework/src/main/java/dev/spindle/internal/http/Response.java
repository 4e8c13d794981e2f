package dev.spindle.internal.http;

import dev.spindle.http.Cookie;
import dev.spindle.http.EventSink;
import dev.spindle.http.HttpStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The response a request's hooks, handler and error handler build, until the server adapter
 * writes it. Only the context changes it; the adapter gets read-only views, so every header that
 * reaches the wire went through {@link #checked}.
 */
public final class Response {

    private int status = HttpStatus.OK;
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final List<Cookie> cookies = new ArrayList<>(0);
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

    /** Headers by case-insensitive name, each with its values in the order set. */
    public Map<String, List<String>> headers() {
        return Collections.unmodifiableMap(headers);
    }

    String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    void header(String name, String value) {
        List<String> values = new ArrayList<>(1);
        values.add(checked(name, value));
        headers.put(name, values);
    }

    void addHeader(String name, String value) {
        headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(checked(name, value));
    }

    /**
     * Refuses what would corrupt the response head: a value with CR or LF could end the header
     * block early and let request data (say, a redirect target) inject headers or a body.
     */
    private static String checked(String name, String value) {
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

    public List<Cookie> cookies() {
        return Collections.unmodifiableList(cookies);
    }

    void cookie(Cookie cookie) {
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
        header("Content-Type", "text/event-stream; charset=UTF-8");
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
        headers.clear();
        cookies.clear();
        body = null;
        eventStream = null;
    }
}
