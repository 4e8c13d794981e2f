package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.locks.Mutex;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lost-update experiment: two counters incremented by the same read, pause, write code, one
 * without a lock and one under a {@link Mutex}.
 * <pre>
 * POST /counter/unsafe   read the field, pause 1 ms, write it back plus one: updates get lost
 * POST /counter/safe     the same under a Mutex: none do
 * POST /counter/reset    both counters and request counts back to 0
 * GET  /counter          {"safe": N, "unsafe": M, "requests": {"safe": n, "unsafe": m}}
 * </pre>
 * In every mode but {@code --single}, handlers run on several threads that share this object on
 * the heap, so after n concurrent {@code POST /counter/unsafe} requests {@code unsafe} is below n;
 * {@code safe} always equals its request count. With {@code --single} one thread runs every
 * handler and neither loses anything.
 *
 * <p>The pause is a teaching device: a real read-modify-write loses updates only when two threads
 * happen to interleave in a window of nanoseconds, which a demo cannot show on demand. Widened to
 * {@value #WINDOW_MS} ms, every burst of concurrent increments overlaps in it, so the unsafe counter
 * loses updates each time in a multi-threaded mode and the lesson does not depend on luck.
 *
 * <p><b>Threading:</b> handlers run on whatever thread the app's mode gives them, concurrently.
 * {@code unsafe} is racy on purpose; {@code safe} is read and written only under {@code lock};
 * the request counts are atomics, so they are exact in every mode.
 */
final class CounterRoutes {

    /** How long an increment waits between reading and writing its counter. */
    static final long WINDOW_MS = 1;

    private final Mutex lock;
    private final Runnable betweenReadAndWrite;
    private long safe;
    private long unsafe;
    private final AtomicLong safeRequests = new AtomicLong();
    private final AtomicLong unsafeRequests = new AtomicLong();

    private CounterRoutes(Mutex lock, Runnable betweenReadAndWrite) {
        this.lock = lock;
        this.betweenReadAndWrite = betweenReadAndWrite;
    }

    /** Adds the {@code /counter} routes to {@code app}, sharing one new pair of counters. */
    static void install(Spindle app) {
        install(app, CounterRoutes::pause);
    }

    /**
     * As {@link #install(Spindle)}, with {@code betweenReadAndWrite} run where the unsafe increment
     * would pause, between its read and its write: a test holds requests there to force the
     * interleaving that loses updates.
     */
    static void install(Spindle app, Runnable betweenReadAndWrite) {
        Mutex.Builder lock = Mutex.builder("demo-counter");
        app.meterRegistry().ifPresent(lock::meterRegistry);   // spindle.lock.* on /metrics
        CounterRoutes counters = new CounterRoutes(lock.build(), betweenReadAndWrite);
        app.post("/counter/unsafe", ctx -> counters.incrementUnsafe());
        app.post("/counter/safe", ctx -> counters.incrementSafe());
        app.post("/counter/reset", ctx -> counters.reset());
        app.get("/counter", ctx -> counters.state());
    }

    private Count incrementUnsafe() {
        unsafeRequests.incrementAndGet();
        long read = unsafe;
        betweenReadAndWrite.run();       // the pause: other requests read the same value now
        unsafe = read + 1;
        return new Count(read + 1);
    }

    private Count incrementSafe() {
        safeRequests.incrementAndGet();
        try (var held = lock.acquire()) {
            long read = safe;
            pause();                     // same window, but nobody else can be in here
            safe = read + 1;
            return new Count(read + 1);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(WINDOW_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();  // kept for whoever interrupted: a deadline, a stop
        }
    }

    private CounterState reset() {
        try (var held = lock.acquire()) {
            safe = 0;
            unsafe = 0;
            safeRequests.set(0);
            unsafeRequests.set(0);
        }
        return state();
    }

    private CounterState state() {
        try (var held = lock.acquire()) {
            return new CounterState(safe, unsafe, new Requests(safeRequests.get(), unsafeRequests.get()));
        }
    }

    /** {@code POST /counter/safe} and {@code /counter/unsafe}: the value this request wrote. */
    record Count(long value) {
    }

    /** {@code GET /counter}. */
    record CounterState(long safe, long unsafe, Requests requests) {
    }

    /** How many requests each counter received. */
    record Requests(long safe, long unsafe) {
    }
}
