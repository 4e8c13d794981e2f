package dev.spindle.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time to live of finished jobs: one reads as itself for {@code ttl}, then as {@code EXPIRED}
 * (result gone) for another {@code ttl}, then not at all. Applied whenever a stored job is read, so
 * the answer never depends on when the sweep last ran, and by a periodic sweep, so the store does
 * not keep what nobody reads.
 *
 * <p>Expiring a job and recording a webhook attempt on it both rewrite its snapshot. In one process a
 * lock serializes them; with a shared store, where another instance may do either at the same time,
 * each rewrite is a compare-and-set on the version, read again and retried when it loses.
 */
final class JobExpiry {

    private static final Logger log = LoggerFactory.getLogger(JobExpiry.class);
    private static final Duration LONGEST_SWEEP_INTERVAL = Duration.ofMinutes(1);
    private static final int REWRITE_TRIES = 10;

    private final JobStore store;
    private final boolean shared;
    private final Clock clock;
    private final Duration ttl;
    /** Serializes read-modify-writes of finished snapshots: expiring one must not undo a recorded delivery, nor the reverse. */
    private final ReentrantLock finishedLock = new ReentrantLock();

    JobExpiry(JobStore store, Clock clock, Duration ttl) {
        this.store = store;
        this.shared = store.shared();
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Sweeps the store on {@code timer} every {@code ttl}, or every minute if that is sooner. */
    void scheduleSweeps(ScheduledExecutorService timer) {
        long interval = (ttl.compareTo(LONGEST_SWEEP_INTERVAL) < 0 ? ttl : LONGEST_SWEEP_INTERVAL).toNanos();
        timer.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.NANOSECONDS);
    }

    /** The stored snapshot as it reads now: itself, its {@code EXPIRED} form, or {@code null} once forgotten. */
    Job age(Job job) {
        if (!job.state().isFinished() || job.finishedAt() == null) {
            return job;
        }
        Instant now = clock.instant();
        Instant expiry = job.finishedAt().plus(ttl);
        if (now.isBefore(expiry)) {
            return job;
        }
        finishedLock.lock();
        try {
            for (int tries = 1; ; tries++) {
                Job current = store.find(job.id()).orElse(null);
                if (current == null) {
                    return null;
                }
                if (!now.isBefore(expiry.plus(ttl))) {
                    store.remove(job.id());
                    return null;
                }
                if (current.state() == JobState.EXPIRED) {
                    return current;
                }
                Job expired = current.expired();
                if (rewrite(expired) || tries == REWRITE_TRIES) {
                    return expired;
                }
            }
        } finally {
            finishedLock.unlock();
        }
    }

    /** Adds a webhook attempt to a finished job, unless it has been forgotten meanwhile. */
    void recordDelivery(String id, Delivery delivery) {
        finishedLock.lock();
        try {
            for (int tries = 0; tries < REWRITE_TRIES; tries++) {
                Job current = store.find(id).orElse(null);
                if (current == null || rewrite(current.withDelivery(delivery))) {
                    return;
                }
            }
            log.warn("Could not record webhook attempt {} on job {}: it kept changing", delivery.attempt(), id);
        } finally {
            finishedLock.unlock();
        }
    }

    /** Saves the next snapshot of a finished job; with a shared store only over the one it was made from. */
    private boolean rewrite(Job next) {
        if (shared) {
            return store.compareAndSet(next, null);
        }
        store.save(next);
        return true;
    }

    private void sweep() {
        try {
            store.finished().forEach(this::age);
        } catch (RuntimeException e) {
            log.warn("Expiring finished jobs failed; trying again later", e);
        }
    }
}
