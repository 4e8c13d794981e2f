package dev.spindle.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A job that has not finished yet: its current snapshot and everything waiting for it to change.
 * Every change happens under {@link #lock} and is saved to the store there, so the store sees
 * changes in order. Listeners hear of a change after the lock is released, so a slow listener holds
 * up neither the job nor the other listeners; two changes made at once by different threads may
 * reach a listener in either order, which {@link Job#version()} lets it sort out. Long-poll waiters,
 * which may run request pipelines, are also completed after the lock is released.
 */
final class JobEntry implements JobHandle {

    /** The terminal snapshot, the state left, and the waiters to complete outside the lock. */
    record Finished(Job job, JobState from, List<CompletableFuture<Job>> waiters) {
    }

    final JobWork work;
    final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Job> store;
    private final int maxWaiters;
    private final List<Consumer<Job>> listeners = new ArrayList<>(2);
    private final List<CompletableFuture<Job>> waiters = new ArrayList<>(2);
    private Job job;
    private Thread runner;
    private volatile boolean cancelled;

    /** @param maxWaiters the most long polls held for this job; the next is answered at once */
    JobEntry(Job job, JobWork work, Duration timeout, Consumer<Job> store, int maxWaiters) {
        this.job = job;
        this.work = work;
        this.timeout = timeout;
        this.store = store;
        this.maxWaiters = maxWaiters;
    }

    Job snapshot() {
        lock.lock();
        try {
            return job;
        } finally {
            lock.unlock();
        }
    }

    /** QUEUED → RUNNING on {@code thread}; {@code false} if the job left the queue another way (cancelled). */
    boolean start(Instant now, Thread thread) {
        List<Consumer<Job>> notify;
        Job next;
        lock.lock();
        try {
            if (job.state() != JobState.QUEUED) {
                return false;
            }
            runner = thread;
            next = change(job.running(now));
            notify = List.copyOf(listeners);
        } finally {
            lock.unlock();
        }
        tell(notify, next);
        return true;
    }

    /** Ends the job unless it already ended; interrupts the work if asked. {@code null} if it had already ended. */
    Finished finish(JobState end, Instant now, Object result, JobError error, boolean interrupt) {
        Finished finished;
        List<Consumer<Job>> notify;
        lock.lock();
        try {
            JobState from = job.state();
            if (from.isFinished()) {
                return null;
            }
            if (interrupt) {
                cancelled = true;
            }
            if (interrupt && runner != null) {
                runner.interrupt();
            }
            runner = null;
            Job last = change(job.finished(end, now, result, error));
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
            if (job.state() != JobState.RUNNING
                    || (clamped == job.percent() && java.util.Objects.equals(message, job.message()))) {
                return;
            }
            next = change(job.progressed(clamped, message));
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

    /** Makes {@code next} the current snapshot and stores it. Under the lock. */
    private Job change(Job next) {
        job = next;
        store.accept(next);
        return next;
    }

    /** Tells listeners of a change. Outside the lock. */
    private static void tell(List<Consumer<Job>> listeners, Job next) {
        for (Consumer<Job> listener : listeners) {
            listener.accept(next);
        }
    }
}
