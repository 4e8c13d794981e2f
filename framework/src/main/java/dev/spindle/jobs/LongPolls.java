package dev.spindle.jobs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Long polls ({@code GET /jobs/{id}?wait=30s}) without a thread per waiting client: the request
 * returns a stage that the job's end, or the wait's deadline on the timer, completes.
 */
final class LongPolls {

    private final ScheduledExecutorService timer;
    private final Executor wakeups;
    private final AtomicInteger waiting = new AtomicInteger();

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
     * The job as soon as it finishes, or as it is when {@code wait} runs out; {@code null} if it has
     * finished already, so the caller answers at once.
     */
    CompletionStage<Job> await(JobEntry entry, Duration wait) {
        CompletableFuture<Job> waiter = new CompletableFuture<>();
        if (!entry.addWaiter(waiter)) {
            return null;
        }
        waiting.incrementAndGet();
        ScheduledFuture<?> deadline;
        try {
            deadline = timer.schedule(() -> {
                if (entry.removeWaiter(waiter)) {
                    waiter.complete(entry.snapshot());
                }
            }, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            entry.removeWaiter(waiter);
            waiting.decrementAndGet();
            return CompletableFuture.completedFuture(entry.snapshot());
        }
        return waiter.whenCompleteAsync((job, error) -> {
            waiting.decrementAndGet();
            deadline.cancel(false);
        }, wakeups);
    }

    /** Long-poll requests being held now. */
    int waiting() {
        return waiting.get();
    }
}
