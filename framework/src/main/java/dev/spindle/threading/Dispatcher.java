package dev.spindle.threading;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs request tasks on the threads a {@link ThreadingMode} promises. One dispatcher exists for the
 * app's default mode and one for each route or group that declares its own (a bulkhead). Create
 * them with {@link Dispatchers#create(ThreadingMode, String)}.
 *
 * <p><b>Threading:</b> {@link #execute(Runnable)} is called on a server IO thread and never blocks:
 * it starts, queues or refuses the task at once. Tasks run on the dispatcher's own threads, except
 * for {@link ThreadingMode#nonBlocking()}, whose tasks run inline on the calling IO thread.
 */
public interface Dispatcher {

    /** The dispatcher's name: {@code app} or the route / group it isolates. */
    String name();

    /** The mode this dispatcher implements. */
    ThreadingMode mode();

    /**
     * Runs {@code task} now, or queues it, without blocking the caller.
     *
     * @throws RejectedExecutionException when the dispatcher is saturated or shut down; the caller
     *         answers 503
     */
    void execute(Runnable task);

    /** Tasks running now. */
    int active();

    /** Tasks waiting for a thread or a permit. */
    int queued();

    /** The most tasks that may run at once, or {@code -1} for no limit. */
    int capacity();

    /** Tasks refused since start. */
    long rejected();

    /** Refuses new tasks; queued and running ones complete. */
    void shutdown();

    /** Waits up to {@code timeout} for running and queued tasks to end; {@code true} if they did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Interrupts running tasks and drops queued ones (each dropped task is run by nobody). */
    void shutdownNow();
}
