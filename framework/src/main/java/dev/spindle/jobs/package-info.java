/**
 * Background jobs and the four ways a client collects their result: polling, long polling,
 * webhooks, and a WebSocket (or server-sent events) stream.
 * <pre>{@code
 * var app = Spindle.create();
 * Jobs jobs = Jobs.install(app, settings -> settings.webhookSecret(secret));  // serves /jobs, /jobs/{id}, …
 * app.post("/reports", ctx -> jobs.start(ctx, "report", job -> {
 *     job.progress(50, "half way");
 *     return reports.build();
 * }));                                           // 202 Accepted, Location: /jobs/{id}
 * }</pre>
 *
 * <p>A job is a resource ({@link dev.spindle.jobs.Job}) in one of the states of
 * {@link dev.spindle.jobs.JobState}; its id is 128 random bits, so knowing one id reveals no other.
 * Jobs run on their own executor (virtual threads by default), separate from request handlers, with
 * a bounded queue, an optional per-job timeout, and a time to live after which finished jobs expire.
 * Their records live in a {@link dev.spindle.jobs.JobStore}: in memory by default, which suits one
 * instance; several instances behind a load balancer need a shared store.
 */
package dev.spindle.jobs;
