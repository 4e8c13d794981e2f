package dev.spindle.internal.metrics;

import io.micrometer.observation.Observation;

/**
 * One request's measurement in progress: filled in as the request is routed, waits and is
 * handled, recorded when it completes.
 *
 * <p><b>Threading:</b> written on the IO thread and the handler thread in turn; each hand-over goes
 * through an executor (or the dispatcher's queue), which publishes the writes.
 *
 * <p>A request that arrives while someone watches the app's spans is a {@link TracedSample}, which
 * carries what its span needs; every other request pays nothing for spans, not even a field.
 */
public sealed class RequestSample permits TracedSample {

    final String method;
    final long startNanos;
    final Observation observation;
    private volatile String uri = "UNKNOWN";
    private volatile Throwable failure;
    /** When the request was ready to run (body received), on the metrics clock. */
    long readyNanos;
    /** The routes' thread-time totals when it had to start waiting, or {@code null} if it never queued. */
    long[] heldAtQueue;

    RequestSample(String method, long startNanos, Observation observation) {
        this.method = method;
        this.startNanos = startNanos;
        this.observation = observation;
    }

    /** The matched route's uri tag: its template, or {@code NOT_FOUND} / {@code REDIRECTION}. */
    public void uri(String uri) {
        this.uri = uri;
    }

    /** The exception that ended the request, for the {@code exception} tag. */
    public void failure(Throwable failure) {
        this.failure = failure;
    }

    /** The observation to open a scope on around the handler, or {@code null}. */
    public Observation observation() {
        return observation;
    }

    String uri() {
        return uri;
    }

    Throwable failure() {
        return failure;
    }
}
