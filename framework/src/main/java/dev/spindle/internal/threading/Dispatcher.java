package dev.spindle.internal.threading;

import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs request tasks on the threads a {@link ThreadingMode} promises. One dispatcher exists for the
 * app's default mode and one for each route or group that declares its own (a bulkhead). Create
 * them with {@link Dispatchers#create(ThreadingMode, String)}.
 *
 * <p><b>Threading:</b> {@link #execute(Task)} is called on a server IO thread and never blocks:
 * it starts, queues or refuses the task at once. Tasks run on the dispatcher's own threads, except
 * for {@link ThreadingMode#nonBlocking()}, whose tasks run inline on the calling IO thread.
 */
public interface Dispatcher {

    /**
     * Work handed to a dispatcher. Besides running, a task hears whether it had to wait for a thread
     * and whether a dispatcher that had accepted it gave up on it, so that no accepted task is ever
     * silently dropped.
     */
    @FunctionalInterface
    interface Task extends Runnable {

        /**
         * Every thread (or permit) was taken when the task was admitted, so it waits in the queue.
         * Called once, on the thread calling {@link #execute}, before any thread can run the task;
         * it must be quick and must not block.
         */
        default void queued() {
        }

        /**
         * The dispatcher accepted the task but will never run it: no thread could be started for it,
         * or the dispatcher shut down while it was queued. Called on whichever thread found out.
         */
        default void refused(RejectedExecutionException why) {
        }
    }

    /** The dispatcher's name: {@code app} or the route / group it isolates. */
    String name();

    /** The mode this dispatcher implements. */
    ThreadingMode mode();

    /**
     * Runs {@code task} now, or queues it, without blocking the caller. Whether it queues is decided
     * with its admission, atomically: {@link Task#queued()} is called exactly when it must wait.
     *
     * @throws RejectedExecutionException when the dispatcher is saturated or shut down; the caller
     *         answers 503
     */
    void execute(Task task);

    /**
     * Refuses a task before it exists: if a task handed to {@link #execute} now would be refused —
     * every thread busy and the queue full, or the dispatcher shut down — counts a refusal and
     * returns {@code true}; otherwise admits nothing and returns {@code false}. The server asks
     * before reading a request body, so that a client sending {@code Expect: 100-continue} hears 503
     * instead of uploading for nothing. The answer holds for this moment only: a request let through
     * may still be refused by {@link #execute} once its body has arrived.
     */
    default boolean refuseIfSaturated() {
        return false;
    }

    /**
     * Takes a task that is still waiting out of the queue, freeing its place at once.
     *
     * @return {@code true} if it was waiting and will now never run; {@code false} if a thread has
     *         taken it already (or it never queued)
     */
    boolean withdraw(Task task);

    /** Tasks running now. */
    int active();

    /** Tasks waiting for a thread or a permit. */
    int queued();

    /** The most tasks that may run at once, or {@code -1} for no limit. */
    int capacity();

    /** Tasks refused since start. */
    long rejected();

    /**
     * Refuses new tasks, and refuses the tasks still waiting in the queue ({@link Task#refused}), so
     * their clients can be answered at once; running tasks complete.
     */
    void shutdown();

    /** Waits up to {@code timeout} for running tasks to end; {@code true} if they did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Interrupts running tasks and refuses any still queued. */
    void shutdownNow();

    /**
     * Whether {@code thread} is one of the threads this dispatcher runs its tasks on: a stop called
     * there would wait for itself. Asked only when an app stops, so it costs nothing per request.
     */
    boolean runsOn(Thread thread);
}
