package dev.spindle.http;

/**
 * Turns an exception into a response, Flask's {@code errorhandler}. Registered by exception type
 * (the most specific type wins, the innermost route group before its parents) or by status code.
 * The returned value is rendered as a {@link Handler}'s would be; the response status is the
 * error's unless the handler sets another one.
 *
 * @param <E> the exception type handled
 */
@FunctionalInterface
public interface ErrorHandler<E extends Throwable> {

    /** Produces the body for {@code error}, or {@code null} if it wrote the response itself. */
    Object handle(E error, Context ctx) throws Exception;
}
