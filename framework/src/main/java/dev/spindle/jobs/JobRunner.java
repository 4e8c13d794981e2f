package dev.spindle.jobs;

import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.LongTaskTimer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs: admits them to the executor, takes them through their states, and ends them on
 * return, failure, cancellation, timeout or stop, interrupting the work for the last three. Jobs
 * that have not finished are held here ({@link #live}); finished ones are only in the store.
 *
 * <p>With a shared store ({@link JobStore#shared()}), a submission only queues the job in the store.
 * A claim thread ({@code spindle-jobs-claim-1}) claims queued jobs of the registered kinds while this
 * instance has fewer claimed jobs than its executor runs at once, when woken (a submission here, a
 * new job's notification, a claimed job ending) and every {@link JobSettings#resync}; then too it
 * applies the lease policy to jobs whose lease lapsed. The timer renews the leases of claimed jobs
 * every third of the lease. Jobs run elsewhere that clients follow here are held as mirrors,
 * re-read from the store when a notification says they changed and at each resync.
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
    private static final int LAPSED_BATCH = 100;
    private static final int CANCEL_TRIES = 10;

    private final JobStore store;
    private final Kinds kinds;
    private final boolean shared;
    private final boolean claims;
    private final Clock clock;
    private final Duration defaultTimeout;
    private final Duration drainTimeout;
    private final int maxJobs;
    private final int maxWaiters;
    private final int capacity;
    private final Duration lease;
    private final int leaseAttempts;
    private final Duration leaseBackoff;
    private final Duration resync;
    private final JobMetrics metrics;
    private final Dispatcher executor;
    private final ScheduledExecutorService timer;
    private final ExecutorService notifications;
    private final Consumer<Job> finished;
    private final ConcurrentHashMap<String, JobEntry> live = new ConcurrentHashMap<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicInteger claimed = new AtomicInteger();
    private final Semaphore wake = new Semaphore(0);
    private final Thread claimer;
    private final AutoCloseable listening;

    /** @param finished told of every job that ends, on the thread that ended it; must not block */
    JobRunner(JobSettings settings, JobStore store, Kinds kinds, JobMetrics metrics, JobThreads threads,
              Consumer<Job> finished) {
        this.store = store;
        this.kinds = kinds;
        this.shared = store.shared();
        this.claims = settings.claim;
        this.clock = settings.clock;
        this.defaultTimeout = settings.timeout;
        this.drainTimeout = settings.drainTimeout;
        this.maxJobs = settings.maxJobs;
        this.maxWaiters = settings.maxSubscribers;
        this.capacity = capacity(settings.threading);
        this.lease = settings.lease;
        this.leaseAttempts = settings.leaseAttempts;
        this.leaseBackoff = settings.leaseBackoff;
        this.resync = settings.resync;
        this.metrics = metrics;
        this.executor = threads.executor();
        this.timer = threads.timer();
        this.notifications = threads.notifications();
        this.finished = finished;
        if (shared) {
            this.listening = store.listen(this::changed);
            this.claimer = Dispatchers.daemonThreads("jobs-claim").newThread(this::claimLoop);
            claimer.start();
            long renewEvery = lease.toNanos() / 3;
            timer.scheduleWithFixedDelay(() -> offTimer(this::renew), renewEvery, renewEvery, TimeUnit.NANOSECONDS);
        } else {
            this.listening = null;
            this.claimer = null;
        }
    }

    /** How many claimed jobs this instance runs at once: its executor's bound. */
    private static int capacity(ThreadingMode mode) {
        int bound = switch (mode) {
            case ThreadingMode.VirtualThreads virtual -> virtual.maxConcurrent();
            case ThreadingMode.ThreadPerRequest threaded -> threaded.maxConcurrent();
            case ThreadingMode.WorkerPool pool -> pool.threads();
            case ThreadingMode.SingleThreaded single -> 1;
            case ThreadingMode.NonBlocking nonBlocking -> 1;
        };
        return bound == 0 ? JobSettings.DEFAULT_MAX_RUNNING : bound;
    }

    /** The job with this id if it has not finished and is run or followed here, else {@code null}. */
    JobEntry live(String id) {
        return live.get(id);
    }

    /**
     * The job with this id if it has not finished, for a long poll or stream to follow: with a shared
     * store, a job run by another instance is mirrored here from now on. {@code null} if there is no
     * such unfinished job.
     */
    JobEntry follow(String id) {
        JobEntry entry = live.get(id);
        if (entry != null || !shared) {
            return entry;
        }
        Job stored = store.find(id).orElse(null);
        if (stored == null || stored.state().isFinished()) {
            return null;
        }
        JobEntry mirror = JobEntry.mirror(stored, maxWaiters);
        JobEntry raced = live.putIfAbsent(id, mirror);
        if (raced != null) {
            return raced;
        }
        refresh(id);
        return mirror;
    }

    /** @throws RejectedExecutionException once the jobs are stopping */
    void checkAccepting() {
        if (stopped.get()) {
            throw new RejectedExecutionException("The server is stopping and accepts no new jobs");
        }
    }

    /**
     * Queues a job whose work is a lambda. {@code timeout} {@code null} means the configured default.
     *
     * @throws RejectedExecutionException when the store or the queue is full or the jobs are stopping; the message
     *         is fit for the client
     * @throws IllegalStateException with a shared store, which runs only jobs of registered kinds
     */
    Job submit(String kind, String callbackUrl, Duration timeout, JobWork work) {
        if (shared) {
            throw new IllegalStateException("A shared job store runs only jobs of registered kinds (JobSettings.kind): "
                    + "another instance cannot run this lambda; submit with Jobs.enqueue");
        }
        return submit(kind, callbackUrl, timeout, work, null);
    }

    /**
     * Queues a job of a registered kind with its input. With the in-memory store it runs here; with a
     * shared one, wherever it is claimed.
     *
     * @throws IllegalArgumentException for a kind nobody registered
     */
    Job enqueue(String kind, Object input, String callbackUrl, Duration timeout) {
        Kinds.Kind<?> registered = kinds.get(kind);
        String stored = kinds.write(input);
        if (!shared) {
            return submit(kind, callbackUrl, timeout, registered.bind(kinds.jsonMapper(), stored), stored);
        }
        checkAccepting();
        checkRoom();
        Job job = new Job(JobIds.next(), kind, JobState.QUEUED, 0, null, clock.instant(), null, null, null, null,
                callbackUrl, stored, List.of(), 1);
        store.save(job);
        metrics.accepted(kind);
        wake.release();
        return job;
    }

    private void checkRoom() {
        if (store.count() >= maxJobs) {
            // Checked, not reserved: submissions racing past it overshoot by at most their number.
            metrics.refused("store-full");
            throw new RejectedExecutionException("The job store is full (" + maxJobs
                    + " jobs) until finished jobs expire; try again later");
        }
    }

    private Job submit(String kind, String callbackUrl, Duration timeout, JobWork work, String input) {
        checkAccepting();
        checkRoom();
        Job job = new Job(JobIds.next(), kind, JobState.QUEUED, 0, null, clock.instant(), null, null, null, null,
                callbackUrl, input, List.of(), 1);
        JobEntry entry = new JobEntry(job, work, timeout != null ? timeout : defaultTimeout, saving(), maxWaiters);
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

    private Predicate<Job> saving() {
        return job -> {
            store.save(job);
            return true;
        };
    }

    /**
     * Cancels the job if it has not finished, interrupting its work if it runs here. With a shared
     * store, a job run by another instance is ended in the store, and that instance interrupts its
     * work when it hears of it.
     */
    void cancel(String id) {
        JobError cancelled = new JobError("cancelled", "The job was cancelled");
        JobEntry entry = live.get(id);
        if (entry != null && entry.owned() && end(entry, JobState.CANCELLED, null, cancelled, true)) {
            return;
        }
        if (!shared) {
            return;
        }
        for (int tries = 0; tries < CANCEL_TRIES; tries++) {
            Job stored = store.find(id).orElse(null);
            if (stored == null || stored.state().isFinished()) {
                return;
            }
            Job ended = stored.finished(JobState.CANCELLED, clock.instant(), null, cancelled);
            if (store.compareAndSet(ended, null)) {
                metrics.completed(ended.kind(), JobState.CANCELLED);
                JobEntry mirror = live.get(id);
                if (mirror != null) {
                    settle(mirror, mirror.adopt(ended));
                }
                finished.accept(ended);
                return;
            }
        }
    }

    /**
     * The stop policy of {@link Jobs#close()}: refuse new jobs, cancel queued ones, give running ones
     * the drain timeout, then cancel and interrupt them. With a shared store, jobs claimed here but
     * not started go back to the queue for another instance instead, other instances' jobs are left
     * alone, and long polls on them are answered with the job as it is.
     *
     * @return {@code false} if the jobs had been stopped already
     */
    boolean stop() {
        if (!stopped.compareAndSet(false, true)) {
            return false;
        }
        if (shared) {
            claimer.interrupt();
            closeListening();
            releaseUnstarted();
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
        answerMirrorPolls();
        return true;
    }

    /** Answers the long polls on jobs other instances run with the job as it is: no change will reach them now. */
    private void answerMirrorPolls() {
        for (JobEntry entry : live.values()) {
            if (!entry.owned()) {
                Job current = entry.snapshot();
                entry.dropWaiters().forEach(waiter -> waiter.complete(current));
            }
        }
    }

    private void closeListening() {
        try {
            listening.close();
        } catch (Exception e) {
            log.warn("Closing the job store's notifications failed", e);
        }
    }

    /** Puts claimed jobs that have not started back in the queue, due now. */
    private void releaseUnstarted() {
        for (JobEntry entry : live.values()) {
            Job job = entry.snapshot();
            if (entry.owned() && job.state() == JobState.QUEUED) {
                entry.abandon();
                try {
                    store.compareAndSet(job.requeued("Queued again: the instance that claimed it stopped"), clock.instant());
                } catch (RuntimeException e) {
                    log.warn("Could not release job {}; its lease will lapse", job.id(), e);
                }
            }
        }
    }

    private void run(JobEntry entry) {
        boolean claimedHere = entry.claim() != null;
        try {
            if (claimedHere) {
                metrics.leftQueue();
            }
            runWork(entry, claimedHere);
        } finally {
            if (claimedHere) {
                claimed.decrementAndGet();
                wake.release();
            }
        }
    }

    private void runWork(JobEntry entry, boolean claimedHere) {
        if (!entry.start(clock.instant(), Thread.currentThread())) {
            return;
        }
        if (!claimedHere) {
            metrics.leftQueue();
        }
        Job job = entry.snapshot();
        Duration timeout = entry.timeout();
        LongTaskTimer.Sample active = metrics.started(job.kind());
        ScheduledFuture<?> deadline = timeout == null ? null : timer.schedule(() -> end(entry, JobState.FAILED,
                null, new JobError("timeout", "The job ran longer than its " + timeout.toMillis() + " ms limit"),
                true), timeout.toNanos(), TimeUnit.NANOSECONDS);
        Object result = null;
        Throwable failure = null;
        try {
            result = entry.work().run(entry);
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
     *
     * @return whether this call ended it
     */
    private boolean end(JobEntry entry, JobState state, Object result, JobError error, boolean interrupt) {
        boolean claimedHere = entry.claim() != null;
        JobEntry.Finished ended = entry.finish(state, clock.instant(), result, error, interrupt);
        if (ended == null) {
            return false;
        }
        Job job = ended.job();
        live.remove(job.id(), entry);
        if (ended.from() == JobState.QUEUED && !claimedHere) {
            metrics.leftQueue();
        }
        metrics.completed(job.kind(), state);
        for (CompletableFuture<Job> waiter : ended.waiters()) {
            waiter.complete(job);
        }
        finished.accept(job);
        return true;
    }

    /** Completes the long polls of a job that ended elsewhere, and forgets its entry. */
    private void settle(JobEntry entry, JobEntry.Finished ended) {
        if (ended == null) {
            return;
        }
        live.remove(ended.job().id(), entry);
        for (CompletableFuture<Job> waiter : ended.waiters()) {
            waiter.complete(ended.job());
        }
    }

    /** A notification from the store: job {@code id} is at {@code version}. On the store's thread. */
    private void changed(String id, long version) {
        JobEntry entry = live.get(id);
        if (entry == null) {
            if (version == 1) {
                wake.release();
            }
            return;
        }
        if (entry.snapshot().version() < version) {
            offTimer(() -> refresh(id));
        }
    }

    /** Re-reads a job run or followed here and takes what changed. */
    private void refresh(String id) {
        JobEntry entry = live.get(id);
        if (entry == null) {
            return;
        }
        Optional<Job> stored = store.find(id);
        if (stored.isEmpty()) {
            entry.abandon();
            live.remove(id, entry);
            return;
        }
        settle(entry, entry.adopt(stored.get()));
    }

    private void offTimer(Runnable task) {
        try {
            notifications.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Reading the job store failed; the next resync tries again", e);
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("Jobs stopping: skipped a store read");
        }
    }

    /** Renews the leases of the jobs claimed here; a job whose lease is lost is abandoned and re-read. */
    private void renew() {
        List<JobStore.Claim> claims = live.values().stream().map(JobEntry::claim)
                .filter(java.util.Objects::nonNull).toList();
        if (claims.isEmpty()) {
            return;
        }
        Set<String> lost = store.renew(claims, lease);
        for (String id : lost) {
            JobEntry entry = live.get(id);
            if (entry != null) {
                log.warn("Job {} lost its lease; another instance may run it", id);
                entry.abandon();
                refresh(id);
            }
        }
    }

    private void claimLoop() {
        long lastResync = System.nanoTime();
        while (!stopped.get()) {
            try {
                wake.tryAcquire(resync.toNanos(), TimeUnit.NANOSECONDS);
                wake.drainPermits();
                if (System.nanoTime() - lastResync >= resync.toNanos()) {
                    lastResync = System.nanoTime();
                    applyLeasePolicy();
                    for (String id : live.keySet()) {
                        JobEntry entry = live.get(id);
                        if (entry != null && !entry.owned()) {
                            refresh(id);
                        }
                    }
                }
                claimWhileRoom();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopped.get()) {
                    return;
                }
                log.warn("Claiming jobs failed; trying again in {}", resync, e);
                try {
                    Thread.sleep(resync.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void claimWhileRoom() {
        while (claims && !stopped.get() && claimed.get() < capacity) {
            Optional<JobStore.Claim> next = store.claim(kinds.names(), lease);
            if (next.isEmpty()) {
                return;
            }
            start(next.get());
        }
    }

    private void start(JobStore.Claim claim) {
        Job job = claim.job();
        JobEntry mirror = JobEntry.mirror(job, maxWaiters);
        JobEntry raced = live.putIfAbsent(job.id(), mirror);
        JobEntry entry = raced != null ? raced : mirror;
        Predicate<Job> fenced = next -> {
            if (store.update(next, claim)) {
                return true;
            }
            offTimer(() -> refresh(next.id()));
            return false;
        };
        if (!entry.own(claim, kinds.work(job), defaultTimeout, fenced)) {
            log.debug("Job {} claimed while already run here; its lease will lapse", job.id());
            return;
        }
        claimed.incrementAndGet();
        metrics.claimed();
        try {
            executor.execute(() -> run(entry));
        } catch (RejectedExecutionException e) {
            claimed.decrementAndGet();
            metrics.leftQueue();
            entry.abandon();
            live.remove(job.id(), entry);
        }
    }

    /** Requeues or fails the jobs whose lease lapsed: their instance died or stalled. */
    private void applyLeasePolicy() {
        Instant now = clock.instant();
        for (JobStore.Claim lapsed : store.lapsed(LAPSED_BATCH)) {
            Job job = lapsed.job();
            if (lapsed.attempt() >= leaseAttempts) {
                Job failed = job.finished(JobState.FAILED, now, null, new JobError("lease-expired",
                        "The instance running the job stopped renewing its lease, " + lapsed.attempt()
                                + " times; it is not tried again"));
                if (store.compareAndSet(failed, null)) {
                    metrics.completed(job.kind(), JobState.FAILED);
                    finished.accept(failed);
                }
            } else {
                Duration backoff = leaseBackoff.multipliedBy(1L << Math.min(20, lapsed.attempt() - 1));
                store.compareAndSet(job.requeued("Queued again: the instance running it stopped renewing its lease "
                        + "(attempt " + lapsed.attempt() + " of " + leaseAttempts + ")"), now.plus(backoff));
            }
        }
    }
}
