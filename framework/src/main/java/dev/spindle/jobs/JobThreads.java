package dev.spindle.jobs;

import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Every thread the jobs use, each made by {@link Dispatchers} (named, uncaught exceptions logged):
 * the executor their work runs on; one timer thread for timeouts, long-poll deadlines, webhook
 * retries and expiry sweeps; virtual threads for what must hold up neither the timer nor a job
 * (long-poll wake-ups, event stream set-up); and a virtual thread per webhook attempt, which blocks
 * in the webhook client (it starts no thread of its own).
 */
final class JobThreads {

    private final Dispatcher executor;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService notifications;
    private final ExecutorService webhooks;

    JobThreads(ThreadingMode mode) {
        this.executor = Dispatchers.create(mode, "jobs");
        this.timer = new ScheduledThreadPoolExecutor(1, Dispatchers.daemonThreads("jobs-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.notifications = Executors.newThreadPerTaskExecutor(Dispatchers.virtualThreads(mode, "jobs-notify"));
        this.webhooks = Executors.newThreadPerTaskExecutor(Dispatchers.virtualThreads(mode, "jobs-webhook"));
    }

    /** Runs the jobs' work; its queue is the jobs' queue. */
    Dispatcher executor() {
        return executor;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    ExecutorService notifications() {
        return notifications;
    }

    /** Runs webhook attempts, one virtual thread each. */
    ExecutorService webhooks() {
        return webhooks;
    }

    /** The notification threads, or the caller's thread once they have stopped: a late wake-up must still answer its request. */
    Executor wakeups() {
        return task -> {
            try {
                notifications.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
    }

    /**
     * Stops the timer, dropping what it still had to do, interrupts webhook attempts (their client is
     * closed before), and gives notifications a second to finish; returns once their threads are done
     * (a second at most each), so a stopped app leaves none behind. The executor is stopped before,
     * by the stop policy.
     */
    void close() {
        timer.shutdownNow();
        webhooks.shutdownNow();
        notifications.shutdown();
        try {
            if (!notifications.awaitTermination(1, TimeUnit.SECONDS)) {
                notifications.shutdownNow();
            }
            timer.awaitTermination(1, TimeUnit.SECONDS);
            webhooks.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notifications.shutdownNow();
        }
    }
}
