package dev.spindle.jobs;

import java.time.Instant;
import java.util.List;

/**
 * A job as clients see it: an immutable snapshot. Each change (progress, a state, a delivery) makes
 * a new one; {@link JobStore}s store snapshots.
 *
 * @param id 128 random bits, URL-safe Base64
 * @param kind what sort of job it is, chosen by the app (e.g. {@code report}); a metrics tag, so keep kinds few
 * @param state where the job is in its life
 * @param percent progress, 0–100
 * @param message the last progress message, or {@code null}
 * @param createdAt when it was submitted
 * @param startedAt when it started running, or {@code null}
 * @param finishedAt when it finished, or {@code null}
 * @param result what the work returned if it succeeded (dropped on expiry), or {@code null}
 * @param error why it did not succeed, or {@code null}
 * @param callbackUrl where to POST it when it finishes, or {@code null}
 * @param input the JSON input of a job of a registered kind (see {@link JobSettings#kind}), or
 *        {@code null} for a job whose work is a lambda; kept by the store so any instance can run it
 * @param deliveries the webhook attempts so far, oldest first
 * @param version 1 when submitted, one more with each change: the id of the event that carried it
 *        on a stream, so a client that reconnects says which snapshot it has ({@code Last-Event-ID})
 */
public record Job(String id, String kind, JobState state, int percent, String message, Instant createdAt,
                  Instant startedAt, Instant finishedAt, Object result, JobError error, String callbackUrl,
                  String input, List<Delivery> deliveries, long version) {

    public Job {
        deliveries = List.copyOf(deliveries);
    }

    Job withState(JobState newState) {
        return new Job(id, kind, newState, percent, message, createdAt, startedAt, finishedAt, result, error,
                callbackUrl, input, deliveries, version + 1);
    }

    Job running(Instant now) {
        return new Job(id, kind, JobState.RUNNING, percent, message, createdAt, now, null, null, null,
                callbackUrl, input, deliveries, version + 1);
    }

    Job progressed(int newPercent, String newMessage) {
        return new Job(id, kind, state, newPercent, newMessage, createdAt, startedAt, finishedAt, result, error,
                callbackUrl, input, deliveries, version + 1);
    }

    Job finished(JobState end, Instant now, Object value, JobError why) {
        int done = end == JobState.SUCCEEDED ? 100 : percent;
        return new Job(id, kind, end, done, message, createdAt, startedAt, now, value, why, callbackUrl, input, deliveries,
                version + 1);
    }

    /** Back in the queue after the instance running it stopped renewing its lease. */
    Job requeued(String why) {
        return new Job(id, kind, JobState.QUEUED, 0, why, createdAt, null, null, null, null, callbackUrl, input,
                deliveries, version + 1);
    }

    Job expired() {
        return new Job(id, kind, JobState.EXPIRED, percent, message, createdAt, startedAt, finishedAt, null,
                new JobError("expired", "The job finished more than its time to live ago; its result is gone"),
                callbackUrl, input, deliveries, version + 1);
    }

    Job withDelivery(Delivery delivery) {
        List<Delivery> more = new java.util.ArrayList<>(deliveries);
        more.add(delivery);
        return new Job(id, kind, state, percent, message, createdAt, startedAt, finishedAt, result, error,
                callbackUrl, input, more, version + 1);
    }
}
