package dev.spindle.locks;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A named mutual-exclusion lock whose acquisitions are closed by try-with-resources, as Python's
 * {@code with lock:}. The usage idiom:
 * <pre>{@code
 * private final Mutex inventory = Mutex.create("inventory");
 *
 * try (var held = inventory.acquire()) {
 *     stock.decrement(item);          // at most one thread at a time runs this
 * }
 * }</pre>
 * With a bound on the wait:
 * <pre>{@code
 * try (var held = inventory.acquire(Duration.ofMillis(200))) {   // LockTimeoutException after 200 ms
 *     stock.decrement(item);
 * }
 * }</pre>
 *
 * <h2>Memory synchronization</h2>
 * A {@code Mutex} is a {@link ReentrantLock} and has its memory semantics: everything a thread did
 * before releasing the mutex (closing its {@link Held}) <i>happens-before</i> everything another
 * thread does after acquiring it. Fields read and written only while the mutex is held therefore
 * need neither {@code volatile} nor atomics.
 *
 * <h2>Interruption</h2>
 * {@link #acquire()} waits like {@link ReentrantLock#lock()}: interruption does not stop the wait
 * (the thread's interrupt status stays set). {@link #acquireInterruptibly()} and
 * {@link #acquire(Duration)} stop waiting and throw {@link InterruptedException} when the thread is
 * interrupted before or during the wait, clearing the interrupt status. Prefer them in request
 * handlers: a handler past its deadline is interrupted, and an interruptible wait lets its thread go.
 *
 * <h2>Timeouts</h2>
 * {@link #acquire(Duration)} throws {@link LockTimeoutException}, naming this mutex and the wait,
 * if the mutex is not free in time; {@link #tryAcquire()} does not wait at all and returns an
 * empty {@link Optional}. A zero or negative timeout means: take it only if free now.
 *
 * <h2>Re-entrancy</h2>
 * Re-entrant, like Python's {@code RLock}: the thread that holds the mutex may acquire it again
 * without blocking, each acquisition returning its own {@link Held}; the mutex is free once every
 * handle is closed. Handles must be closed by the thread that acquired them.
 *
 * <h2>Fairness and virtual threads</h2>
 * By default the mutex is not fair (like {@code ReentrantLock}): a thread arriving while the mutex
 * is being released may overtake waiting ones, which gives much higher throughput.
 * {@link Builder#fair(boolean) fair(true)} grants it in arrival order. Waiting parks the thread
 * through {@link java.util.concurrent.locks.LockSupport}, never in a monitor, so a waiting virtual
 * thread releases its carrier on every JDK version (unlike {@code synchronized} before JDK 24).
 *
 * <h2>Metrics</h2>
 * Built with a {@link MeterRegistry} ({@link Builder#meterRegistry}), every acquisition records
 * {@code spindle.lock.wait}, every release {@code spindle.lock.held}, every timeout counts in
 * {@code spindle.lock.timeouts}, all tagged {@code lock=}{@link #name()}. Without a registry nothing is
 * measured and no clock is read.
 */
public final class Mutex {

    private final String name;
    private final ReentrantLock lock;
    private final LockMeters meters;

    private Mutex(Builder builder) {
        this.name = builder.name;
        this.lock = new ReentrantLock(builder.fair);
        this.meters = LockMeters.of(builder.registry, builder.name);
    }

    /** A non-fair, uninstrumented mutex named {@code name}. */
    public static Mutex create(String name) {
        return builder(name).build();
    }

    /** A builder for a mutex named {@code name} (the {@code lock} tag of its meters and the name in its exceptions). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * Waits until the mutex is free and takes it; interruption does not end the wait.
     *
     * @return the handle whose {@link Held#close()} releases the mutex
     */
    public Held acquire() {
        return new LockHandle(lock, meters, Acquisition.uninterruptibly(lock, meters));
    }

    /**
     * Waits until the mutex is free and takes it, unless the thread is interrupted.
     *
     * @throws InterruptedException if interrupted before or while waiting; the mutex is not held
     */
    public Held acquireInterruptibly() throws InterruptedException {
        return new LockHandle(lock, meters, Acquisition.interruptibly(lock, meters));
    }

    /**
     * Waits at most {@code timeout} for the mutex. Honours fairness: on a fair mutex it does not
     * overtake waiting threads.
     *
     * @throws LockTimeoutException if the mutex was not free within {@code timeout}
     * @throws InterruptedException if interrupted before or while waiting; the mutex is not held
     */
    public Held acquire(Duration timeout) throws InterruptedException {
        return new LockHandle(lock, meters, Acquisition.within(lock, timeout, meters, name));
    }

    /**
     * Takes the mutex if it is free now (or already held by this thread), without waiting. Like
     * {@link ReentrantLock#tryLock()} it barges in even on a fair mutex.
     * <pre>{@code
     * Optional<Held> maybe = mutex.tryAcquire();
     * if (maybe.isEmpty()) {
     *     return busy();
     * }
     * try (var held = maybe.get()) { … }
     * }</pre>
     */
    public Optional<Held> tryAcquire() {
        long start = meters.startWait();
        if (!lock.tryLock()) {
            return Optional.empty();
        }
        return Optional.of(new LockHandle(lock, meters, meters.acquired(start)));
    }

    /** Whether the calling thread holds this mutex: for assertions such as {@code assert mutex.isHeldByCurrentThread()}. */
    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** Whether the mutex grants itself in arrival order. */
    public boolean isFair() {
        return lock.isFair();
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    /** An estimate of the threads waiting now; for tests and monitoring, never for control flow. */
    int queueLength() {
        return lock.getQueueLength();
    }

    @Override
    public String toString() {
        return "Mutex[" + name + (lock.isLocked() ? ", locked" : ", unlocked") + "]";
    }

    /** Settings of a {@link Mutex}; not thread-safe, build on one thread. */
    public static final class Builder {
        private final String name;
        private boolean fair;
        private MeterRegistry registry;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Grant the mutex in arrival order (default {@code false}: higher throughput, no ordering). */
        public Builder fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /** Record {@code spindle.lock.*} meters in {@code registry}; {@code null} (the default) records nothing. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public Mutex build() {
            return new Mutex(this);
        }
    }
}
