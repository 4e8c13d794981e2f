package dev.spindle.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A job that has not finished yet: its current snapshot and everything waiting for it to change.
 *
 * <p>An entry is either <b>owned</b>, when this instance runs the job (every job, with the in-memory
 * store; the jobs it claimed, with a shared one), or a <b>mirror</b> of a job another instance runs,
 * kept so long polls and event streams here can follow it: a mirror changes only by
 * {@link #adopt}ing snapshots re-read from the store. An owned entry whose fenced write fails has
 * lost its claim: it becomes a mirror, its work is interrupted and its result ignored.
 *
 * <p>Every change of an owned entry happens under {@link #lock} and is saved to the store there, so
 * the store sees changes in order. Listeners hear of a change after the lock is released, so a slow
 * listener holds up neither the job nor the other listeners; two changes made at once by different
 * threads may reach a listener in either order, which {@link Job#version()} lets it sort out.
 * Long-poll waiters, which may run request pipelines, are also completed after the lock is released.
 */
final class JobEntry implements JobHandle {

    /** The terminal snapshot, the state left, and the waiters to complete outside the lock. */
    record Finished(Job job, JobState from, List<CompletableFuture<Job>> waiters) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final int maxWaiters;
    private final List<Consumer<Job>> listeners = new ArrayList<>(2);
    private final List<CompletableFuture<Job>> waiters = new ArrayList<>(2);
    private volatile JobWork work;
    private volatile Duration timeout;
    private volatile JobStore.Claim claim;
    private Predicate<Job> store;
    private boolean owned;
    private Job job;
    private Thread runner;
    private volatile boolean cancelled;

    /**
     * An owned entry.
     *
     * @param store saves a change; {@code false} if the claim on the job is lost
     * @param maxWaiters the most long polls held for this job; the next is answered at once
     */
    JobEntry(Job job, JobWork work, Duration timeout, Predicate<Job> store, int maxWaiters) {
        this.job = job;
        this.work = work;
        this.timeout = timeout;
        this.store = store;
        this.maxWaiters = maxWaiters;
        this.owned = true;
    }

    private JobEntry(Job job, int maxWaiters) {
        this.job = job;
        this.maxWaiters = maxWaiters;
    }

    /** A mirror of a job another instance runs. */
    static JobEntry mirror(Job job, int maxWaiters) {
        return new JobEntry(job, maxWaiters);
    }

    JobWork work() {
        return work;
    }

    Duration timeout() {
        return timeout;
    }

    /** The claim this instance runs the job under, or {@code null} (in-memory store, or a mirror). */
    JobStore.Claim claim() {
        return claim;
    }

    Job snapshot() {
        lock.lock();
        try {
            return job;
        } finally {
            lock.unlock();
        }
    }

    boolean owned() {
        lock.lock();
        try {
            return owned;
        } finally {
            lock.unlock();
        }
    }

    /** Whether nobody follows the job here: no long poll, no stream. */
    boolean idle() {
        lock.lock();
        try {
            return listeners.isEmpty() && waiters.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes a mirror owned: this instance claimed the job. {@code false} if it is owned already or
     * has seen a newer snapshot than the claimed one.
     */
    boolean own(JobStore.Claim claimed, JobWork newWork, Duration newTimeout, Predicate<Job> fenced) {
        List<Consumer<Job>> notify;
        lock.lock();
        try {
            if (owned || job.version() > claimed.job().version() || job.state().isFinished()) {
                return false;
            }
            boolean newer = claimed.job().version() > job.version();
            job = claimed.job();
            work = newWork;
            timeout = newTimeout;
            claim = claimed;
            store = fenced;
            owned = true;
            cancelled = false;
            notify = newer ? List.copyOf(listeners) : List.of();
        } finally {
            lock.unlock();
        }
        tell(notify, claimed.job());
        return true;
    }

    /** QUEUED → RUNNING on {@code thread}; {@code false} if the job left the queue another way or is no longer ours. */
    boolean start(Instant now, Thread thread) {
        List<Consumer<Job>> notify;
        Job next;
        lock.lock();
        try {
            if (!owned || job.state() != JobState.QUEUED) {
                return false;
            }
            next = change(job.running(now));
            if (next == null) {
                return false;
            }
            runner = thread;
            notify = List.copyOf(listeners);
        } finally {
            lock.unlock();
        }
        tell(notify, next);
        return true;
    }

    /**
     * Ends an owned job unless it already ended; interrupts the work if asked. {@code null} if it had
     * already ended, is a mirror, or its claim turned out lost.
     */
    Finished finish(JobState end, Instant now, Object result, JobError error, boolean interrupt) {
        Finished finished;
        List<Consumer<Job>> notify;
        lock.lock();
        try {
            JobState from = job.state();
            if (!owned || from.isFinished()) {
                return null;
            }
            Job last = change(job.finished(end, now, result, error));
            if (last == null) {
                return null;
            }
            if (interrupt) {
                cancelled = true;
                if (runner != null) {
                    runner.interrupt();
                }
            }
            runner = null;
            notify = List.copyOf(listeners);
            listeners.clear();
            finished = new Finished(last, from, List.copyOf(waiters));
            waiters.clear();
        } finally {
            lock.unlock();
        }
        tell(notify, finished.job());
        return finished;
    }

    /**
     * Takes a snapshot read from the store, if newer than the one held. If this instance owned the
     * job, someone else changed it (cancelled it, or requeued it after our lease lapsed): the entry
     * becomes a mirror and the work is interrupted.
     *
     * @return the end, if {@code current} is a finished job; else {@code null}
     */
    Finished adopt(Job current) {
        Finished finished = null;
        List<Consumer<Job>> notify;
        lock.lock();
        try {
            if (current.version() <= job.version()) {
                return null;
            }
            if (owned) {
                lose();
            }
            JobState from = job.state();
            job = current;
            notify = List.copyOf(listeners);
            if (current.state().isFinished()) {
                listeners.clear();
                finished = new Finished(current, from, List.copyOf(waiters));
                waiters.clear();
            }
        } finally {
            lock.unlock();
        }
        tell(notify, current);
        return finished;
    }

    /** Takes the long-poll waiters of a mirror whose instance stops following it, to answer them with {@link #snapshot()}. */
    List<CompletableFuture<Job>> dropWaiters() {
        lock.lock();
        try {
            List<CompletableFuture<Job>> taken = List.copyOf(waiters);
            waiters.clear();
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Gives up the claim: the work is interrupted and what it does from now on is ignored. */
    void abandon() {
        lock.lock();
        try {
            if (owned) {
                lose();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String id() {
        return job.id();
    }

    @Override
    public void progress(int percent, String message) {
        int clamped = Math.max(0, Math.min(100, percent));
        List<Consumer<Job>> notify;
        Job next;
        lock.lock();
        try {
            if (!owned || job.state() != JobState.RUNNING
                    || (clamped == job.percent() && java.util.Objects.equals(message, job.message()))) {
                return;
            }
            next = change(job.progressed(clamped, message));
            if (next == null) {
                return;
            }
            notify = List.copyOf(listeners);
        } finally {
            lock.unlock();
        }
        tell(notify, next);
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Adds a listener for every change from now on, unless the job has finished, and returns the
     * current snapshot for the caller to deliver first (the terminal one if it has finished, when
     * nothing is added). A change made meanwhile may reach the listener before the caller delivers
     * the snapshot returned; versions tell which is newer.
     */
    Job subscribe(Consumer<Job> listener) {
        lock.lock();
        try {
            if (!job.state().isFinished()) {
                listeners.add(listener);
            }
            return job;
        } finally {
            lock.unlock();
        }
    }

    void unsubscribe(Consumer<Job> listener) {
        lock.lock();
        try {
            listeners.remove(listener);
        } finally {
            lock.unlock();
        }
    }

    /** Registers a long-poll waiter; {@code false} if the job has already finished or holds its most waiters. */
    boolean addWaiter(CompletableFuture<Job> waiter) {
        lock.lock();
        try {
            if (job.state().isFinished() || waiters.size() >= maxWaiters) {
                return false;
            }
            waiters.add(waiter);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Removes a waiter whose wait ran out; {@code false} if the job's end already took it. */
    boolean removeWaiter(CompletableFuture<Job> waiter) {
        lock.lock();
        try {
            return waiters.remove(waiter);
        } finally {
            lock.unlock();
        }
    }

    /** Saves {@code next} and makes it the current snapshot; {@code null} (and a mirror) if the claim is lost. Under the lock. */
    private Job change(Job next) {
        if (!store.test(next)) {
            lose();
            return null;
        }
        job = next;
        return next;
    }

    /** Under the lock. */
    private void lose() {
        owned = false;
        cancelled = true;
        claim = null;
        if (runner != null) {
            runner.interrupt();
            runner = null;
        }
    }

    /** Tells listeners of a change. Outside the lock. */
    private static void tell(List<Consumer<Job>> listeners, Job next) {
        for (Consumer<Job> listener : listeners) {
            listener.accept(next);
        }
    }
}
