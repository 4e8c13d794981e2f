package dev.spindle.server;

/**
 * Lifecycle events of dispatched requests, for metrics. Implementations must be cheap and must not
 * block: {@link #started} and {@link #finished} run on handler threads, the others on IO threads.
 */
interface RequestObserver {

    RequestObserver NONE = new RequestObserver() {
    };

    /** The handler is about to run, after waiting {@code queuedNanos} for a thread. */
    default void started(RequestTask task, long queuedNanos) {
    }

    /** The handler pipeline completed with {@code status}. */
    default void finished(RequestTask task, int status) {
    }

    /** The dispatcher refused the request. */
    default void rejected(RequestTask task) {
    }

    /** The request's deadline passed before it completed. */
    default void timedOut(RequestTask task) {
    }
}
