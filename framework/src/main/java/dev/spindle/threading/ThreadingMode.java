package dev.spindle.threading;

import java.util.Locale;
import java.util.Optional;

/**
 * How request handlers get a thread. Set it for the whole app, or override it for a route or a
 * route group to give that part of the app its own executor (a bulkhead).
 *
 * <table>
 *   <caption>The modes</caption>
 *   <tr><th>mode</th><th>which thread runs a handler</th><th>may it block?</th><th>under overload</th></tr>
 *   <tr><td>{@link #singleThreaded()}</td><td>one dedicated thread, FIFO (Flask {@code threaded=False})</td>
 *       <td>yes, and every other request waits</td><td>waits in a bounded queue, then 503</td></tr>
 *   <tr><td>{@link #threadPerRequest()}</td><td>a new platform thread per request (Flask {@code threaded=True})</td>
 *       <td>yes</td><td>unbounded unless {@code maxConcurrent} is set</td></tr>
 *   <tr><td>{@link #virtualThreads()}</td><td>a new virtual thread per request</td>
 *       <td>yes (cheaply)</td><td>unbounded unless {@code maxConcurrent} is set</td></tr>
 *   <tr><td>{@link #workerPool(int, int)}</td><td>one of N platform threads</td>
 *       <td>yes, holding a worker</td><td>at most {@code queue} wait; the next gets 503 at once</td></tr>
 *   <tr><td>{@link #nonBlocking()}</td><td>the server's IO thread</td>
 *       <td><b>no</b>: blocking stalls every connection of that IO thread</td><td>n/a</td></tr>
 * </table>
 *
 * <p>Modes are values: two routes declared with equal modes still get two executors, because a
 * bulkhead is the point of a per-route mode. {@link #parse(String)} reads the
 * {@code -Dspindle.mode} / {@code SPINDLE_MODE} syntax.
 */
public sealed interface ThreadingMode {

    /** Default number of requests that may wait for a busy thread before 503 is answered. */
    int DEFAULT_QUEUE = 1_000;

    /** Short name used in thread names, metric tags and the {@link #parse(String)} syntax. */
    String shortName();

    /** One dedicated handler thread runs every request in arrival order, like Flask's {@code threaded=False}. */
    static ThreadingMode singleThreaded() {
        return new SingleThreaded(DEFAULT_QUEUE);
    }

    /** As {@link #singleThreaded()}, with at most {@code queue} requests waiting. */
    static ThreadingMode singleThreaded(int queue) {
        return new SingleThreaded(queue);
    }

    /** A new platform thread for each request, ended afterwards, like Flask's {@code threaded=True}. */
    static ThreadingMode threadPerRequest() {
        return new ThreadPerRequest(0, DEFAULT_QUEUE);
    }

    /** As {@link #threadPerRequest()}, with at most {@code maxConcurrent} threads at once. */
    static ThreadingMode threadPerRequest(int maxConcurrent) {
        return new ThreadPerRequest(maxConcurrent, DEFAULT_QUEUE);
    }

    /** A new virtual thread for each request, with no concurrency limit. */
    static ThreadingMode virtualThreads() {
        return new VirtualThreads(0, DEFAULT_QUEUE);
    }

    /** A new virtual thread for each request, at most {@code maxConcurrent} running at once. */
    static ThreadingMode virtualThreads(int maxConcurrent) {
        return new VirtualThreads(maxConcurrent, DEFAULT_QUEUE);
    }

    /** Exactly {@code threads} platform threads; at most {@code queue} requests wait, the next gets 503. */
    static ThreadingMode workerPool(int threads, int queue) {
        return new WorkerPool(threads, queue);
    }

    /** The handler runs on the server's IO thread; it must never block. */
    static ThreadingMode nonBlocking() {
        return NonBlocking.INSTANCE;
    }

    /** Flask's {@code threaded=False}. */
    record SingleThreaded(int queue) implements ThreadingMode {
        public SingleThreaded {
            requireAtLeast("queue", queue, 0);
        }

        @Override
        public String shortName() {
            return "single";
        }
    }

    /** Flask's {@code threaded=True}; {@code maxConcurrent == 0} means no limit. */
    record ThreadPerRequest(int maxConcurrent, int queue) implements ThreadingMode {
        public ThreadPerRequest {
            requireAtLeast("maxConcurrent", maxConcurrent, 0);
            requireAtLeast("queue", queue, 0);
        }

        @Override
        public String shortName() {
            return "threaded";
        }
    }

    /** A virtual thread per request; {@code maxConcurrent == 0} means no limit. */
    record VirtualThreads(int maxConcurrent, int queue) implements ThreadingMode {
        public VirtualThreads {
            requireAtLeast("maxConcurrent", maxConcurrent, 0);
            requireAtLeast("queue", queue, 0);
        }

        @Override
        public String shortName() {
            return "virtual";
        }
    }

    /** A fixed pool of platform threads with a bounded queue. */
    record WorkerPool(int threads, int queue) implements ThreadingMode {
        /** Pool size when none is given ({@code pool} / {@code --pool}): enough to show a pool's queueing on a laptop. */
        public static final int DEFAULT_THREADS = 8;

        public WorkerPool {
            requireAtLeast("threads", threads, 1);
            requireAtLeast("queue", queue, 0);
        }

        @Override
        public String shortName() {
            return "pool";
        }
    }

    /** The server's IO thread. */
    enum NonBlocking implements ThreadingMode {
        INSTANCE;

        @Override
        public String shortName() {
            return "io";
        }
    }

    /**
     * Reads the {@code -Dspindle.mode} / {@code SPINDLE_MODE} syntax:
     * {@code single}, {@code threaded}, {@code virtual}, {@code pool[:threads[:queue]]}.
     *
     * @throws IllegalArgumentException naming the valid values
     */
    static ThreadingMode parse(String text) {
        String[] parts = text.trim().toLowerCase(Locale.ROOT).split(":", -1);
        try {
            ThreadingMode mode = switch (parts[0]) {
                case "single" -> parts.length == 1 ? singleThreaded() : null;
                case "threaded" -> parts.length == 1 ? threadPerRequest() : null;
                case "virtual" -> parts.length == 1 ? virtualThreads() : null;
                case "pool" -> switch (parts.length) {
                    case 1 -> workerPool(WorkerPool.DEFAULT_THREADS, DEFAULT_QUEUE);
                    case 2 -> workerPool(Integer.parseInt(parts[1]), DEFAULT_QUEUE);
                    case 3 -> workerPool(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                    default -> null;
                };
                default -> null;
            };
            if (mode != null) {
                return mode;
            }
        } catch (IllegalArgumentException e) {
            // a bad number falls through to the message below
        }
        throw new IllegalArgumentException("Invalid threading mode '" + text
                + "': expected one of single, threaded, virtual, pool, pool:<threads>, pool:<threads>:<queue>");
    }

    /**
     * The mode named by the system property {@code spindle.mode}, else the environment variable
     * {@code SPINDLE_MODE}, if either is set.
     */
    static Optional<ThreadingMode> fromEnvironment() {
        String value = System.getProperty("spindle.mode");
        if (value == null || value.isBlank()) {
            value = System.getenv("SPINDLE_MODE");
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(parse(value));
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }
}
