package dev.spindle.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Long polls ({@code GET /jobs/{id}?wait=30s}) without a thread per waiting client: the request
 * returns a stage that the job's end, the wait's deadline on the timer, or a stop ({@link #drain})
 * completes.
 */
final class LongPolls {

    private final ScheduledExecutorService timer;
    private final Executor wakeups;
    private final AtomicInteger waiting = new AtomicInteger();
    /** Every waiter not yet answered, with its job, so that a stop can answer them all. */
    private final Map<CompletableFuture<Job>, JobEntry> pending = new ConcurrentHashMap<>();
    private volatile boolean draining;

    /**
     * @param wakeups where a request resumes once its wait is over: completing the stage runs the
     *        rest of that request's pipeline (rendering, after hooks), which must hold up neither
     *        the timer nor the thread that ended the job
     */
    LongPolls(ScheduledExecutorService timer, Executor wakeups) {
        this.timer = timer;
        this.wakeups = wakeups;
    }

    /**
     * The job as soon as it finishes, or as it is when {@code wait} runs out or the app stops;
     * {@code null} if it has finished already or the app is stopping, so the caller answers at once.
     */
    CompletionStage<Job> await(JobEntry entry, Duration wait) {
        if (draining) {
            return null;
        }
        CompletableFuture<Job> waiter = new CompletableFuture<>();
        if (!entry.addWaiter(waiter)) {
            return null;
        }
        waiting.incrementAndGet();
        pending.put(waiter, entry);
        ScheduledFuture<?> deadline;
        try {
            deadline = timer.schedule(() -> answerNow(waiter, entry), wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(waiter);
            entry.removeWaiter(waiter);
            waiting.decrementAndGet();
            return CompletableFuture.completedFuture(entry.snapshot());
        }
        CompletionStage<Job> answered = waiter.whenCompleteAsync((job, error) -> {
            pending.remove(waiter);
            waiting.decrementAndGet();
            deadline.cancel(false);
        }, wakeups);
        if (draining) {
            // The stop's drain may have looked before this waiter was pending: answer it here.
            answerNow(waiter, entry);
        }
        return answered;
    }

    /**
     * Answers every waiting long poll now with the job as it stands, and every later one at once: the
     * first step of a stop, so that the server need not wait out the waits. Non-blocking.
     */
    void drain() {
        draining = true;
        pending.forEach((waiter, entry) -> answerNow(waiter, entry));
    }

    /** Completes a waiter with the job as it stands, unless the job's end or another answer took it first. */
    private static void answerNow(CompletableFuture<Job> waiter, JobEntry entry) {
        if (entry.removeWaiter(waiter)) {
            waiter.complete(entry.snapshot());
        }
    }

    /** Long-poll requests being held now. */
    int waiting() {
        return waiting.get();
    }
}
