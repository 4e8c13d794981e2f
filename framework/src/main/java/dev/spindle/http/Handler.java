package dev.spindle.http;

/**
 * Handles a request. The returned value becomes the response body, as in Flask:
 * a {@code String} is sent as {@code text/plain; charset=UTF-8} (or {@code text/html} when it
 * starts with {@code <}), a {@code byte[]} or {@code InputStream} as
 * {@code application/octet-stream}, {@code null} leaves whatever the handler wrote to the
 * {@link Context}, and any other object is written as JSON. A
 * {@link java.util.concurrent.CompletionStage} releases the thread at once; its value is rendered
 * the same way when it completes (its failure is handled like a thrown exception).
 *
 * <p><b>Threading:</b> called on the thread the route's {@code ThreadingMode} chooses; it may block
 * unless the route is non-blocking. A thrown exception goes to the matching error handler, an
 * {@link HttpException} becomes its status.
 */
@FunctionalInterface
public interface Handler {

    /** Handles the request; returns the body, or {@code null} if the handler wrote the response itself. */
    Object handle(Context ctx) throws Exception;
}
