package dev.spindle.http;

import java.util.Map;

/**
 * Ends a request with an HTTP status, Flask's {@code abort(404)}: {@code throw new HttpException(404, "No such user")}.
 * The detail is sent to the client in the problem body, so it must not hold secrets.
 */
public class HttpException extends RuntimeException {

    private final int status;
    private final Map<String, String> headers;

    public HttpException(int status, String detail) {
        this(status, detail, Map.of());
    }

    /** With response headers, such as {@code Allow} on 405 or {@code Retry-After} on 503. */
    public HttpException(int status, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("An HttpException carries a 4xx or 5xx status, not " + status);
        }
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    /** The message shown to the client. */
    public String detail() {
        return getMessage();
    }

    /** Headers to send with the error response. */
    public Map<String, String> headers() {
        return headers;
    }
}
