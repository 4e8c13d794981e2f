package dev.spindle.metrics;

import dev.spindle.routing.Route;
import java.util.function.Function;

/**
 * What the server adapter reports about each request, for metrics. {@link #NONE} measures nothing
 * and costs nothing; {@link SpindleMetrics} records the meters of {@code docs/metrics.md}.
 *
 * <p><b>Threading:</b> {@link #arrived}, {@link #completed} and {@link #rejected} run on IO threads,
 * {@link #handlerStarted} and {@link #handlerReleased} on the handler's thread. All must be cheap
 * and must never block.
 */
public interface RequestMetrics extends AutoCloseable {

    /** Measures nothing. */
    RequestMetrics NONE = new RequestMetrics() {
    };

    /**
     * A request arrived.
     *
     * @param startNanos {@link System#nanoTime()} when its first byte was parsed
     * @param headers the request headers by name (for trace propagation)
     * @return its sample, completed by {@link #completed}, or {@code null} when nothing is measured
     */
    default RequestSample arrived(String method, long startNanos, Function<String, String> headers) {
        return null;
    }

    /**
     * The handler of {@code route} is about to run after waiting {@code queuedNanos} for a thread.
     *
     * @param saturated whether every thread (or permit) of the route's dispatcher was taken when the
     *        request was handed to it, so it had to wait behind other requests
     */
    default void handlerStarted(Route route, String method, long queuedNanos, boolean saturated) {
    }

    /** The handler of {@code route} gave its thread back (it returned, or returned a pending stage). */
    default void handlerReleased(Route route) {
    }

    /** The route's dispatcher refused the request (it is answered 503). */
    default void rejected(Route route) {
    }

    /** The request passed its deadline (it is answered 503). */
    default void timedOut(Route route) {
    }

    /** The response was sent (or the connection closed) with {@code status}. */
    default void completed(RequestSample sample, int status) {
    }

    /** Stops background work and removes this app's meters from the registry. */
    @Override
    default void close() {
    }
}
