package dev.spindle.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The jobs' meters. Without a registry they go to an empty composite registry, which records
 * nothing; meters are cached per tag value so nothing is built per job.
 */
final class JobMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger queued = new AtomicInteger();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, LongTaskTimer> active = new ConcurrentHashMap<>();
    private volatile String schedule = RetrySchedule.DEFAULT.describe();

    JobMetrics(MeterRegistry registry) {
        this.registry = registry == null ? new CompositeMeterRegistry() : registry;
        Gauge.builder("spindle.jobs.queued", queued, AtomicInteger::get)
                .description("Jobs waiting for a thread of the jobs executor")
                .register(this.registry);
    }

    void submitted(String kind) {
        accepted(kind);
        queued.incrementAndGet();
    }

    /** A job accepted into a shared store: counted here, queued wherever it is claimed. */
    void accepted(String kind) {
        counter("submitted|" + kind, () -> Counter.builder("spindle.jobs.submitted")
                .description("Jobs accepted").tag("kind", kind)).increment();
    }

    /** A job of a shared store claimed by this instance: it waits for a thread here. */
    void claimed() {
        queued.incrementAndGet();
    }

    /** A submission answered 503: {@code reason} is {@code store-full} or {@code queue-full}. */
    void refused(String reason) {
        counter("refused|" + reason, () -> Counter.builder("spindle.jobs.refused")
                .description("Submissions refused (503) because the job store or the jobs queue was full")
                .tag("reason", reason)).increment();
    }

    void leftQueue() {
        queued.decrementAndGet();
    }

    LongTaskTimer.Sample started(String kind) {
        return active.computeIfAbsent(kind, k -> LongTaskTimer.builder("spindle.jobs.active")
                .description("Jobs running now, and for how long").tag("kind", k).register(registry)).start();
    }

    void completed(String kind, JobState state) {
        counter("completed|" + kind + "|" + state, () -> Counter.builder("spindle.jobs.completed")
                .description("Jobs finished, by final state").tag("kind", kind)
                .tag("state", state.name().toLowerCase(java.util.Locale.ROOT))).increment();
    }

    /** Describes the webhook meters with the schedule in force, and gauges the deliveries waiting for a retry. */
    void webhooks(RetrySchedule retries, AtomicInteger pending) {
        this.schedule = retries.describe();
        Gauge.builder("spindle.webhook.pending", pending, AtomicInteger::get)
                .description("Webhook deliveries waiting for their next attempt; each delivery makes " + schedule)
                .register(registry);
    }

    void delivery(String outcome) {
        counter("delivery|" + outcome, () -> Counter.builder("spindle.webhook.deliveries")
                .description("Webhook delivery attempts, by outcome; each delivery makes " + schedule
                        + ", stopping at the first 2xx or refusal")
                .tag("outcome", outcome)).increment();
    }

    /** A delivery given up: its schedule ran out ({@code exhausted}), or too many already waited for a retry ({@code backlog}). */
    void abandoned(String reason) {
        counter("abandoned|" + reason, () -> Counter.builder("spindle.webhook.abandoned")
                .description("Webhook deliveries given up without a 2xx, by reason: exhausted (all " + schedule
                        + " failed) or backlog (too many deliveries already waited for a retry)")
                .tag("reason", reason)).increment();
    }

    private Counter counter(String key, java.util.function.Supplier<Counter.Builder> builder) {
        return counters.computeIfAbsent(key, k -> builder.get().register(registry));
    }
}
