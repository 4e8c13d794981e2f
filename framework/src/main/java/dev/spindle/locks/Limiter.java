package dev.spindle.locks;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bulkhead: at most N callers inside a section at once, the others wait. A counting
 * {@link Semaphore} with the package's handle shape. The usage idiom:
 * <pre>{@code
 * private final Limiter pdf = Limiter.create("pdf-render", 4);   // the renderer takes 4 at most
 *
 * try (var permit = pdf.acquire(Duration.ofSeconds(2))) {       // LockTimeoutException after 2 s
 *     return renderer.render(report);
 * }
 * }</pre>
 *
 * <h2>Memory synchronization</h2>
 * As {@link Semaphore}: what a thread did before releasing a permit <i>happens-before</i> what
 * another thread does after acquiring one. Since up to N threads are inside at once, a limiter does
 * not protect shared state by itself; guard that with a {@link Mutex} or {@link Guarded}.
 *
 * <h2>Interruption and timeouts</h2>
 * {@link #acquire()} waits uninterruptibly; {@link #acquireInterruptibly()} and
 * {@link #acquire(Duration)} throw {@link InterruptedException}, the timed one
 * {@link LockTimeoutException} naming the limiter and the wait. {@link #tryAcquire()} never waits.
 *
 * <h2>No ownership, no re-entrancy</h2>
 * A permit belongs to nobody: any thread may close the handle (once; later closes do nothing).
 * A thread that acquires twice takes two permits, so nesting acquisitions of one limiter can wait
 * forever when permits run out; acquire once per section.
 *
 * <h2>Metrics</h2>
 * As {@link Mutex}, tag {@code lock=}{@link #name()}; {@code spindle.lock.held} is the time a permit
 * was held. Nothing without a registry.
 */
public final class Limiter {

    private final String name;
    private final int permits;
    private final Semaphore semaphore;
    private final LockMeters meters;

    private Limiter(Builder builder) {
        this.name = builder.name;
        this.permits = builder.permits;
        this.semaphore = new Semaphore(builder.permits, builder.fair);
        this.meters = LockMeters.of(builder.registry, builder.name);
    }

    /** A non-fair, uninstrumented limiter named {@code name} admitting {@code permits} callers at once. */
    public static Limiter create(String name, int permits) {
        return builder(name, permits).build();
    }

    /**
     * A builder for a limiter named {@code name} admitting {@code permits} callers at once.
     *
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Builder builder(String name, int permits) {
        return new Builder(name, permits);
    }

    /** Waits for a permit; interruption does not end the wait. */
    public Held acquire() {
        long start = meters.startWait();
        semaphore.acquireUninterruptibly();
        return new Permit(meters.acquired(start));
    }

    /**
     * Waits for a permit unless interrupted.
     *
     * @throws InterruptedException if interrupted before or while waiting; no permit is held
     */
    public Held acquireInterruptibly() throws InterruptedException {
        long start = meters.startWait();
        semaphore.acquire();
        return new Permit(meters.acquired(start));
    }

    /**
     * Waits at most {@code timeout} for a permit.
     *
     * @throws LockTimeoutException if none was free in time
     * @throws InterruptedException if interrupted before or while waiting; no permit is held
     */
    public Held acquire(Duration timeout) throws InterruptedException {
        long start = meters.startWait();
        if (!semaphore.tryAcquire(Acquisition.nanos(timeout), TimeUnit.NANOSECONDS)) {
            meters.timedOut();
            throw new LockTimeoutException(name, timeout);
        }
        return new Permit(meters.acquired(start));
    }

    /** Takes a permit if one is free now, without waiting (barging in even on a fair limiter). */
    public Optional<Held> tryAcquire() {
        long start = meters.startWait();
        return semaphore.tryAcquire() ? Optional.of(new Permit(meters.acquired(start))) : Optional.empty();
    }

    /** Permits free now; for monitoring, since it may change at once. */
    public int available() {
        return semaphore.availablePermits();
    }

    /** The number of callers admitted at once. */
    public int capacity() {
        return permits;
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Limiter[" + name + ", " + semaphore.availablePermits() + "/" + permits + " free]";
    }

    /** A permit; closable once, from any thread. */
    private final class Permit implements Held {
        private final long acquiredAt;
        private final AtomicBoolean released = new AtomicBoolean();

        Permit(long acquiredAt) {
            this.acquiredAt = acquiredAt;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                semaphore.release();
                meters.released(acquiredAt);
            }
        }
    }

    /** Settings of a {@link Limiter}; not thread-safe, build on one thread. */
    public static final class Builder {
        private final String name;
        private final int permits;
        private boolean fair;
        private MeterRegistry registry;

        private Builder(String name, int permits) {
            this.name = Objects.requireNonNull(name, "name");
            if (permits < 1) {
                throw new IllegalArgumentException("A limiter needs at least 1 permit, was " + permits);
            }
            this.permits = permits;
        }

        /** Hand out permits in arrival order (default {@code false}). */
        public Builder fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /** Record {@code spindle.lock.*} meters in {@code registry}; {@code null} (the default) records nothing. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Limiter build() {
            return new Limiter(this);
        }
    }
}
