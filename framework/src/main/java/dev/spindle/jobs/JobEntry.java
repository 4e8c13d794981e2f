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
 * Every change happens under {@link #lock}, is saved to the store and passed to the stream
 * listeners in the same critical section, so a listener sees changes in order and never misses one
 * between subscribing and the first event. Listeners therefore must not block (they queue messages
 * for IO threads); long-poll waiters, which may run request pipelines, are completed after the lock
 * is released.
 */
final class JobEntry implements JobHandle {

    /** The terminal snapshot, the state left, and the waiters to complete outside the lock. */
    record Finished(Job job, JobState from, List<CompletableFuture<Job>> waiters) {
    }

    final JobWork work;
    final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<Job> store;
    private final List<Consumer<Job>> listeners = new ArrayList<>(2);
    private final List<CompletableFuture<Job>> waiters = new ArrayList<>(2);
    private Job job;
    private Thread runner;
    private volatile boolean cancelled;

    JobEntry(Job job, JobWork work, Duration timeout, Consumer<Job> store) {
        this.job = job;
        this.work = work;
        this.timeout = timeout;
        this.store = store;
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
        lock.lock();
        try {
            if (job.state() != JobState.QUEUED) {
                return false;
            }
            runner = thread;
            publish(job.running(now));
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the job unless it already ended; interrupts the work if asked. {@code null} if it had already ended. */
    Finished finish(JobState end, Instant now, Object result, JobError error, boolean interrupt) {
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
            publish(job.finished(end, now, result, error));
            listeners.clear();
            List<CompletableFuture<Job>> waiting = List.copyOf(waiters);
            waiters.clear();
            return new Finished(job, from, waiting);
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
        lock.lock();
        try {
            if (job.state() == JobState.RUNNING && (clamped != job.percent() || !java.util.Objects.equals(message, job.message()))) {
                publish(job.progressed(clamped, message));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    /**
     * Adds a stream listener and hands it the current snapshot, unless the job has finished: then
     * nothing is added and the terminal snapshot is returned for the caller to deliver.
     */
    Job subscribe(Consumer<Job> listener) {
        lock.lock();
        try {
            if (!job.state().isFinished()) {
                listeners.add(listener);
                listener.accept(job);
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

    /** Registers a long-poll waiter; {@code false} if the job has already finished. */
    boolean addWaiter(CompletableFuture<Job> waiter) {
        lock.lock();
        try {
            if (job.state().isFinished()) {
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

    private void publish(Job next) {
        job = next;
        store.accept(next);
        for (Consumer<Job> listener : List.copyOf(listeners)) {
            listener.accept(next);
        }
    }
}
