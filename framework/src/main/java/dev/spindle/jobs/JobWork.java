package dev.spindle.jobs;

/**
 * The work of a job. Its return value becomes the job's result (sent as JSON, like a handler's
 * return value); throwing fails the job.
 *
 * <p><b>Threading:</b> runs on a thread of the jobs executor (a virtual thread by default), never on
 * a request thread; it may block. Cancellation and timeouts interrupt that thread: blocking calls
 * then throw {@link InterruptedException}, and loops should check {@link JobHandle#isCancelled()}.
 */
@FunctionalInterface
public interface JobWork {

    /** Does the work, reporting progress through {@code job}; returns the result. */
    Object run(JobHandle job) throws Exception;
}
