package dev.spindle.internal.metrics;

import dev.spindle.metrics.RequestSpan;
import io.micrometer.observation.Observation;
import java.util.List;

/**
 * One request's measurement in progress: filled in as the request is routed, waits and is
 * handled, recorded when it completes.
 *
 * <p><b>Threading:</b> written on the IO thread and the handler thread in turn; each hand-over goes
 * through an executor (or the dispatcher's queue), which publishes the writes.
 */
public final class RequestSample {

    final String method;
    final long startNanos;
    final Observation observation;
    private volatile String uri = "UNKNOWN";
    private volatile Throwable failure;
    /** When the request was ready to run (body received), on the metrics clock. */
    long readyNanos;
    /** The routes' thread-time totals when it had to start waiting, or {@code null} if it never queued. */
    long[] heldAtQueue;
    /** Whether this request is recorded as a span: decided once, when it is ready to run. */
    boolean traced;
    /** For a traced request: the handler's thread, when it started and gave the thread back, how its wait ended. */
    Thread handlerThread;
    long handlerStartNanos;
    long handlerEndNanos;
    RequestSpan.Outcome waitOutcome;
    String dispatcher;
    /** For a traced request that queued: its wait's shares, largest first. */
    List<RequestSpan.Wait> waitedBehind;

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
