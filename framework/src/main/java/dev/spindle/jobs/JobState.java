package dev.spindle.jobs;

/**
 * Where a job is in its life: {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED}, and any
 * finished job becomes {@code EXPIRED} once its time to live has passed (its result is then gone).
 * A job cancelled while queued goes straight from {@code QUEUED} to {@code CANCELLED}.
 */
public enum JobState {
    /** Accepted, waiting for a thread of the jobs executor. */
    QUEUED,
    /** Its work is running. */
    RUNNING,
    /** The work returned; the job carries its result. */
    SUCCEEDED,
    /** The work threw, or ran past its timeout; the job carries an error. */
    FAILED,
    /** Cancelled by {@code DELETE /jobs/{id}}, {@link Jobs#cancel}, or by the app stopping. */
    CANCELLED,
    /** Finished longer ago than the time to live; result and error have been dropped. */
    EXPIRED;

    /** Whether the job has ended: nothing about it changes any more except expiry and webhook deliveries. */
    public boolean isFinished() {
        return this != QUEUED && this != RUNNING;
    }
}
