package dev.spindle.threading;

/**
 * A read-only view of one executor of a running app ({@code app.dispatchers()}): the app's own, or a
 * bulkhead of a route or group. For dashboards and tests that watch saturation; the values are live.
 */
public interface DispatcherStats {

    /** {@code app}, the route or group prefix it isolates, or {@code io} for non-blocking routes. */
    String name();

    /** The mode of this executor. */
    ThreadingMode mode();

    /** Handlers running on it now. */
    int active();

    /** Requests waiting for one of its threads (or permits) now. */
    int queued();

    /** The most handlers it runs at once, or {@code -1} for no limit. */
    int capacity();

    /** Requests it refused with 503 since the app started. */
    long rejected();
}
