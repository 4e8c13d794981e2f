package dev.spindle.jobs;

/**
 * The work of a named job kind, registered with {@link JobSettings#kind}: it gets its input back from
 * the JSON the submission stored, so any instance sharing the store can run it, and an instance that
 * starts after a restart can run what an earlier one accepted.
 * <pre>{@code
 * settings.kind("report", ReportRequest.class, (job, request) -> reports.build(job, request));
 * app.post("/reports", ctx -> jobs.enqueue(ctx, "report", ctx.bodyAs(ReportRequest.class), null));
 * }</pre>
 *
 * <p><b>Threading:</b> as {@link JobWork}: on a thread of the jobs executor, interrupted on
 * cancellation, timeout, or the loss of its lease.
 *
 * @param <I> the input type, read from JSON with the jobs' {@link dev.spindle.json.JsonMapper}
 */
@FunctionalInterface
public interface JobKind<I> {

    /** Does the work for {@code input}, reporting progress through {@code job}; returns the result. */
    Object run(JobHandle job, I input) throws Exception;
}
