package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.http.HttpException;
import dev.spindle.http.HttpStatus;
import dev.spindle.jobs.JobFailedException;
import dev.spindle.jobs.JobHandle;
import dev.spindle.jobs.Jobs;
import dev.spindle.postgres.Postgres;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The background-job demo: {@code POST /jobs/report} starts a simulated report, a job of kind
 * {@code report}, that takes {@code ms} in {@code steps}, reporting progress after each; the job
 * routes ({@code /jobs/{id}}, long polling, {@code /jobs/{id}/events}) come from
 * {@code Jobs.install(app, …)}. With {@code --jobs-db} the jobs live in PostgreSQL, shared by every
 * demo given the same URL. The demo's own webhook receiver ({@link WebhookReceiver}) is the one
 * loopback callback allowed without {@code --allow-private-callbacks}. See {@code docs/jobs.md}.
 */
final class JobRoutes {

    /** The environment variable that holds the webhook signing secret. */
    static final String SECRET_VARIABLE = "SPINDLE_WEBHOOK_SECRET";
    /** The environment variable that may hold {@code --jobs-db}'s URL. */
    static final String DB_VARIABLE = "SPINDLE_JOBS_DB";

    private JobRoutes() {
    }

    /**
     * {@code configured}, or, when none is, a random secret made for this run (Standard Webhooks'
     * {@code whsec_} form), so that no secret anyone can read in the source ever signs a webhook. The
     * secret itself is never printed.
     */
    static String webhookSecret(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        System.out.println("Webhooks are signed with a random secret made for this run; to verify them, start the "
                + "demo with " + SECRET_VARIABLE + " set to a secret of your own.");
        return "whsec_" + Base64.getEncoder().encodeToString(random);
    }

    /**
     * Declares {@code POST /jobs/report}, the job routes and the demo's webhook receiver.
     *
     * @param allowPrivateCallbacks whether callback URLs may target loopback and private addresses
     *        (the demo's {@code --allow-private-callbacks}, to try webhooks with a local receiver)
     * @param jobsDb the PostgreSQL URL to share jobs through, or {@code null} to keep them in memory;
     *        the caller has checked that a webhook secret is configured then
     * @param host the address the app listens on, which the receiver's URL is made of
     */
    static void install(Spindle app, boolean allowPrivateCallbacks, String jobsDb, String host) {
        String secret = webhookSecret(System.getenv(SECRET_VARIABLE));
        Postgres db = jobsDb == null ? null : Postgres.connect(jobsDb);
        if (db != null) {
            app.install(extension -> extension.onStop(db::close)); // installed first, so it runs after the jobs stop
        }
        WebhookReceiver receiver = WebhookReceiver.create(app, host, secret);
        Jobs jobs = Jobs.install(app, settings -> {
            settings.webhookSecret(secret).allowPrivateCallbacks(allowPrivateCallbacks).allowCallbackUrl(receiver::url)
                    .kind("report", ReportRequest.class, JobRoutes::report);
            if (db != null) {
                settings.store(db.jobStore());
            }
        });
        app.post("/jobs/report", ctx -> {
            ReportRequest request = ctx.bodyBytes().length == 0 ? ReportRequest.DEFAULT : ctx.bodyAs(ReportRequest.class);
            long ms = request.ms() == null ? 3_000 : request.ms();
            int steps = request.steps() == null ? 10 : request.steps();
            if (ms < 0 || ms > 600_000 || steps < 1 || steps > 1_000) {
                throw new HttpException(HttpStatus.BAD_REQUEST, "ms must be 0–600000 and steps 1–1000");
            }
            return jobs.enqueue(ctx, "report", new ReportRequest(ms, steps, request.fail(), null), request.callbackUrl());
        });
        receiver.install();
    }

    /** The work of kind {@code report}, on whichever instance claims the job. */
    static Report report(JobHandle job, ReportRequest request) throws InterruptedException {
        return simulate(job, request.ms(), request.steps(), Boolean.TRUE.equals(request.fail()));
    }

    /** Works for {@code ms} in {@code steps}; fails half way if asked to. Interruptible: DELETE cancels it. */
    static Report simulate(JobHandle job, long ms, int steps, boolean fail) throws InterruptedException {
        int failAt = steps / 2 + 1;
        for (int step = 1; step <= steps; step++) {
            Thread.sleep(ms / steps);
            if (fail && step == failAt) {
                throw new JobFailedException("The report failed at step " + step + " of " + steps + " (asked with fail=true)");
            }
            job.progress(100 * step / steps, "step " + step + " of " + steps);
        }
        return new Report(job.id(), steps, ms, "https://reports.example/" + job.id() + ".pdf");
    }

    /** {@code POST /jobs/report}'s body; every field is optional. */
    record ReportRequest(Long ms, Integer steps, Boolean fail, String callbackUrl) {
        static final ReportRequest DEFAULT = new ReportRequest(null, null, null, null);
    }

    /** The simulated report: the job's result. */
    record Report(String id, int pages, long tookMs, String url) {
    }
}
