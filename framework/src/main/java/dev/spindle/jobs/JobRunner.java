package dev.spindle.jobs;

import dev.spindle.internal.threading.Dispatcher;
import io.micrometer.core.instrument.LongTaskTimer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs: admits them to the executor, takes them through their states, and ends them on
 * return, failure, cancellation, timeout or stop, interrupting the work for the last three. Jobs
 * that have not finished are held here ({@link #live}); finished ones are only in the store.
 *
 * <p>Interrupts: a job's thread is interrupted only by {@link JobEntry#finish} (cancel, timeout,
 * forced stop), only while the thread runs that job, and only as the job ends; the executor's own
 * {@code shutdownNow} comes after every job has ended. So nothing this class still does on the
 * thread afterwards depends on the flag, and the flag is not cleared here when work returns with
 * it set (as work that re-interrupts should): a thread per job ends with it, and a pool worker
 * ({@code ThreadPoolExecutor}) clears it before taking its next task.
 */
final class JobRunner {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final JobStore store;
    private final Clock clock;
    private final Duration defaultTimeout;
    private final Duration drainTimeout;
    private final int maxJobs;
    private final int maxWaiters;
    private final JobMetrics metrics;
    private final Dispatcher executor;
    private final ScheduledExecutorService timer;
    private final Consumer<Job> finished;
    private final ConcurrentHashMap<String, JobEntry> live = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();

    /** @param finished told of every job that ends, on the thread that ended it; must not block */
    JobRunner(JobSettings settings, JobStore store, JobMetrics metrics, JobThreads threads, Consumer<Job> finished) {
        this.store = store;
        this.clock = settings.clock;
        this.defaultTimeout = settings.timeout;
        this.drainTimeout = settings.drainTimeout;
        this.maxJobs = settings.maxJobs;
        this.maxWaiters = settings.maxSubscribers;
        this.metrics = metrics;
        this.executor = threads.executor();
        this.timer = threads.timer();
        this.finished = finished;
    }

    /** The job with this id if it has not finished, else {@code null}. */
    JobEntry live(String id) {
        return live.get(id);
    }

    /** @throws RejectedExecutionException once the jobs are stopping */
    void checkAccepting() {
        if (stopped.get()) {
            throw new RejectedExecutionException("The server is stopping and accepts no new jobs");
        }
    }

    /**
     * Queues a job. {@code timeout} {@code null} means the configured default.
     *
     * @throws RejectedExecutionException when the store or the queue is full or the jobs are stopping; the message
     *         is fit for the client
     */
    Job submit(String kind, String callbackUrl, Duration timeout, JobWork work) {
        checkAccepting();
        if (store.count() >= maxJobs) {
            // Checked, not reserved: submissions racing past it overshoot by at most their number.
            metrics.refused("store-full");
            throw new RejectedExecutionException("The job store is full (" + maxJobs
                    + " jobs) until finished jobs expire; try again later");
        }
        Job job = new Job(JobIds.next(), kind, JobState.QUEUED, 0, null, clock.instant(), null, null, null, null,
                callbackUrl, List.of(), 1);
        JobEntry entry = new JobEntry(job, work, timeout != null ? timeout : defaultTimeout, store::save,
                maxWaiters);
        store.save(job);
        live.put(job.id(), entry);
        metrics.submitted(kind);
        try {
            executor.execute(() -> run(entry));
        } catch (RejectedExecutionException e) {
            live.remove(job.id());
            store.remove(job.id());
            metrics.leftQueue();
            if (!stopped.get()) {
                metrics.refused("queue-full");
            }
            throw new RejectedExecutionException("Too many jobs are waiting; try again shortly", e);
        }
        return job;
    }

    /** Cancels the job if it has not finished, interrupting its work if it runs. */
    void cancel(String id) {
        JobEntry entry = live.get(id);
        if (entry != null) {
            end(entry, JobState.CANCELLED, null, new JobError("cancelled", "The job was cancelled"), true);
        }
    }

    /**
     * The stop policy of {@link Jobs#close()}: refuse new jobs, cancel queued ones, give running ones
     * the drain timeout, then cancel and interrupt them.
     *
     * @return {@code false} if the jobs had been stopped already
     */
    boolean stop() {
        if (!stopped.compareAndSet(false, true)) {
            return false;
        }
        executor.shutdown();
        JobError stopping = new JobError("cancelled", "The server stopped before the job ran");
        for (JobEntry entry : live.values()) {
            if (entry.snapshot().state() == JobState.QUEUED) {
                end(entry, JobState.CANCELLED, null, stopping, false);
            }
        }
        boolean drained;
        try {
            drained = executor.awaitTermination(drainTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            JobError interrupted = new JobError("cancelled", "The server stopped before the job finished");
            for (JobEntry entry : live.values()) {
                end(entry, JobState.CANCELLED, null, interrupted, true);
            }
            executor.shutdownNow();
        }
        return true;
    }

    private void run(JobEntry entry) {
        if (!entry.start(clock.instant(), Thread.currentThread())) {
            return;
        }
        metrics.leftQueue();
        Job job = entry.snapshot();
        LongTaskTimer.Sample active = metrics.started(job.kind());
        ScheduledFuture<?> deadline = entry.timeout == null ? null : timer.schedule(() -> end(entry, JobState.FAILED,
                null, new JobError("timeout", "The job ran longer than its " + entry.timeout.toMillis() + " ms limit"),
                true), entry.timeout.toNanos(), TimeUnit.NANOSECONDS);
        Object result = null;
        Throwable failure = null;
        try {
            result = entry.work.run(entry);
        } catch (Throwable error) {
            failure = error;
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            active.stop();
        }
        if (failure == null) {
            end(entry, JobState.SUCCEEDED, result, null, false);
        } else if (failure instanceof JobFailedException failed) {
            end(entry, JobState.FAILED, null, new JobError("failed", failed.getMessage()), false);
        } else if (entry.isCancelled() && (failure instanceof InterruptedException || failure instanceof CancellationException)) {
            log.debug("Job {} stopped after cancellation", job.id());
        } else {
            if (!entry.isCancelled()) {
                log.warn("Job {} ({}) failed", job.id(), job.kind(), failure);
            }
            end(entry, JobState.FAILED, null, new JobError("failed",
                    "The job failed; quote job id " + job.id() + " when reporting it"), false);
        }
    }

    /**
     * Ends a live job unless it has ended already, then completes its long polls (which resume on
     * threads of their own) and tells {@link #finished}.
     */
    private void end(JobEntry entry, JobState state, Object result, JobError error, boolean interrupt) {
        JobEntry.Finished ended = entry.finish(state, clock.instant(), result, error, interrupt);
        if (ended == null) {
            return;
        }
        Job job = ended.job();
        live.remove(job.id());
        if (ended.from() == JobState.QUEUED) {
            metrics.leftQueue();
        }
        metrics.completed(job.kind(), state);
        for (CompletableFuture<Job> waiter : ended.waiters()) {
            waiter.complete(job);
        }
        finished.accept(job);
    }
}
