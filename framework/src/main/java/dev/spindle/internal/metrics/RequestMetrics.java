package dev.spindle.internal.metrics;

import dev.spindle.internal.routing.Route;
import java.util.function.Function;

/**
 * What the server adapter reports about each request, for metrics. {@link #NONE} measures nothing
 * and costs nothing; {@link SpindleMetrics} records the meters of {@code docs/metrics.md}.
 *
 * <p>A request that reaches a dispatcher ends its wait for a thread in exactly one of three ways:
 * {@link #handlerStarted} (it got one), {@link #refused} (it was turned away, at once or from the
 * queue), or {@link #expired} (its deadline passed while it was still queued). The methods taking a
 * {@link RequestSample} are called only when {@link #arrived} returned one.
 *
 * <p><b>Threading:</b> {@link #arrived}, {@link #ready}, {@link #queued}, {@link #expired},
 * {@link #timedOut} and {@link #completed} run on IO threads, {@link #handlerStarted} and
 * {@link #handlerReleased} on the handler's thread, {@link #refused} on whichever thread refused.
 * All must be cheap and must never block.
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

    /** The request is ready to run (its body is received) and is handed to its route's dispatcher. */
    default void ready(RequestSample sample) {
    }

    /**
     * Every thread of the route's dispatcher was taken when the request was admitted, so it waits in
     * the queue. Called while the dispatcher admits it, before any thread can take it.
     */
    default void queued(RequestSample sample, Route route) {
    }

    /** The handler of {@code route} is about to run: the request's wait for a thread is over. */
    default void handlerStarted(RequestSample sample, Route route) {
    }

    /**
     * The handler of {@code route} gave its thread back (it returned, or returned a pending stage).
     * {@code sample} is {@code null} when {@link #arrived} returned none.
     */
    default void handlerReleased(RequestSample sample, Route route) {
    }

    /** The route's dispatcher refused the request, at once or from its queue (it is answered 503). */
    default void refused(RequestSample sample, Route route) {
    }

    /** The request's deadline passed while it was still waiting for a thread (it is answered 503). */
    default void expired(RequestSample sample, Route route) {
    }

    /** The request passed its deadline while its handler ran (it is answered 503). */
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
