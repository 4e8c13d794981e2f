package dev.spindle.locks;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A task on its own thread, whose result the test can wait for with a bound, and whose thread it can watch. */
final class TestThreads {

    /** Bound on every wait of a test for another thread: reached only if the code under test is broken. */
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private TestThreads() {
    }

    /** Runs {@code body} on a new platform thread named {@code name}. */
    static <T> Task<T> start(String name, Callable<T> body) {
        FutureTask<T> future = new FutureTask<>(body);
        Thread thread = Thread.ofPlatform().name(name).daemon().start(future);
        return new Task<>(thread, future);
    }

    /** A running task. */
    record Task<T>(Thread thread, FutureTask<T> future) {

        /** The result, waiting at most {@link #PATIENCE}; the task's exception is rethrown as the cause. */
        T join() throws InterruptedException, ExecutionException, TimeoutException {
            return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Waits until the thread is parked (waiting for a lock, as far as these tests go). */
        Task<T> awaitParked() {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> {
                Thread.State state = thread.getState();
                return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
            });
            return this;
        }
    }
}
