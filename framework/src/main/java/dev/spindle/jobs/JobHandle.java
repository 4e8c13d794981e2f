package dev.spindle.jobs;

import java.util.concurrent.CancellationException;

/**
 * A running job's view of itself: report progress, notice cancellation.
 * <pre>{@code
 * for (int step = 1; step <= steps; step++) {
 *     job.throwIfCancelled();
 *     render(step);
 *     job.progress(100 * step / steps, "step " + step + " of " + steps);
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> meant for the thread running the work; progress is published to pollers,
 * long-pollers and event streams at once, without blocking.
 */
public interface JobHandle {

    /** The job's id. */
    String id();

    /** Reports progress, 0–100 (clamped). */
    default void progress(int percent) {
        progress(percent, null);
    }

    /** Reports progress, 0–100 (clamped), with a short message for the client, or {@code null}. */
    void progress(int percent, String message);

    /** Whether the job was cancelled or timed out: the work should stop; its result will be ignored. */
    boolean isCancelled();

    /** Throws {@link CancellationException} if {@link #isCancelled()}. */
    default void throwIfCancelled() {
        if (isCancelled()) {
            throw new CancellationException("Job " + id() + " was cancelled");
        }
    }
}
