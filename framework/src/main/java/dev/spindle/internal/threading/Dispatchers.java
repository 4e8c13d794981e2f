package dev.spindle.internal.threading;

import dev.spindle.threading.ThreadingMode;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates every thread Spindle runs handlers on. Platform threads are named
 * {@code spindle-<mode>-<dispatcher>-<n>} so a thread dump tells which route and mode they serve;
 * virtual threads, one per request, all share {@code spindle-virtual-<dispatcher>}, so starting one
 * builds no name (a thread dump tells them apart by their ids). An uncaught exception is logged,
 * never lost.
 */
public final class Dispatchers {

    private static final Logger log = LoggerFactory.getLogger(Dispatchers.class);
    private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT =
            (thread, error) -> log.error("Uncaught exception on {}", thread.getName(), error);

    private Dispatchers() {
    }

    /** A new dispatcher for {@code mode}, named {@code name} (the app or the route it isolates). */
    public static Dispatcher create(ThreadingMode mode, String name) {
        return switch (mode) {
            case ThreadingMode.SingleThreaded single ->
                    new PoolDispatcher(name, mode, 1, single.queue(), platformThreads(mode, name));
            case ThreadingMode.WorkerPool pool ->
                    new PoolDispatcher(name, mode, pool.threads(), pool.queue(), platformThreads(mode, name));
            case ThreadingMode.ThreadPerRequest perRequest -> new ThreadPerTaskDispatcher(
                    name, mode, perRequest.maxConcurrent(), perRequest.queue(), platformThreads(mode, name));
            case ThreadingMode.VirtualThreads virtual -> new ThreadPerTaskDispatcher(
                    name, mode, virtual.maxConcurrent(), virtual.queue(), virtualThreads(mode, name));
            case ThreadingMode.NonBlocking nonBlocking -> new CallerThreadDispatcher(name, nonBlocking);
        };
    }

    /** Named threads for background work in {@code mode}: virtual for virtual-thread modes, platform otherwise. */
    public static ThreadFactory threads(ThreadingMode mode, String name) {
        return mode instanceof ThreadingMode.VirtualThreads ? virtualThreads(mode, name) : platformThreads(mode, name);
    }

    /** A factory of named platform threads for background work that is not a request (jobs, timers). */
    public static ThreadFactory platformThreads(ThreadingMode mode, String name) {
        return Thread.ofPlatform()
                .name(prefix(mode, name), 1)
                .uncaughtExceptionHandler(LOG_UNCAUGHT)
                .factory();
    }

    /** A factory of virtual threads that share one name, {@code spindle-<mode>-<name>}. */
    public static ThreadFactory virtualThreads(ThreadingMode mode, String name) {
        return Thread.ofVirtual()
                .name("spindle-" + mode.shortName() + "-" + name)
                .uncaughtExceptionHandler(LOG_UNCAUGHT)
                .factory();
    }

    /** A factory of named daemon platform threads for framework housekeeping ({@code spindle-<name>-<n>}). */
    public static ThreadFactory daemonThreads(String name) {
        return Thread.ofPlatform()
                .name("spindle-" + name + "-", 1)
                .daemon(true)
                .uncaughtExceptionHandler(LOG_UNCAUGHT)
                .factory();
    }

    /**
     * A new, unstarted platform thread named {@code spindle-<name>} for a one-off task of the app's
     * own (stopping it), not a daemon, so the JVM does not exit before the task is done.
     */
    public static Thread oneOff(String name, Runnable task) {
        return Thread.ofPlatform()
                .name("spindle-" + name)
                .uncaughtExceptionHandler(LOG_UNCAUGHT)
                .unstarted(task);
    }

    private static String prefix(ThreadingMode mode, String name) {
        return "spindle-" + mode.shortName() + "-" + name + "-";
    }
}
