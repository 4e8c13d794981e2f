package dev.spindle.internal.metrics;

import dev.spindle.metrics.RequestSpan;
import io.micrometer.observation.Observation;
import java.util.List;

/**
 * A request measured while spans are recorded ({@link SpanRing#recording()} when it arrived): the
 * sample, plus what its {@link RequestSpan} needs. Same threading as {@link RequestSample}.
 */
final class TracedSample extends RequestSample {

    /** The handler's thread, or {@code null} if it never got one. */
    Thread handlerThread;
    /** When its handler started and gave the thread back, or when it was turned away (both), on the metrics clock. */
    long handlerStartNanos;
    long handlerEndNanos;
    /** How its wait for a thread ended; {@code null} while it has not. */
    RequestSpan.Outcome waitOutcome;
    String dispatcher;
    /** Its wait's shares, largest first, if it queued. */
    List<RequestSpan.Wait> waitedBehind = List.of();

    TracedSample(String method, long startNanos, Observation observation) {
        super(method, startNanos, observation);
    }
}
