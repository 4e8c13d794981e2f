package dev.spindle.locks;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A named read/write lock: many readers at once, or one writer. The usage idiom:
 * <pre>{@code
 * private final ReadWriteMutex prices = ReadWriteMutex.create("prices");
 *
 * try (var reading = prices.read()) {          // shared with other readers
 *     return table.get(sku);
 * }
 * try (var writing = prices.write()) {         // exclusive
 *     table.put(sku, price);
 * }
 * }</pre>
 * A writer may <b>downgrade</b> to a reader without letting another writer in between:
 * <pre>{@code
 * try (var writing = prices.write()) {
 *     table.put(sku, price);
 *     try (var reading = writing.downgrade()) {   // write released, read still held
 *         publish(table.get(sku));
 *     }
 * }                                                // closing a downgraded handle does nothing
 * }</pre>
 * <b>Upgrading</b> a read lock to a write lock is refused: a thread that holds only the read side
 * and asks for the write side gets an {@link IllegalStateException} at once. (With a plain
 * {@link ReentrantReadWriteLock} it would wait forever for its own read lock to go.) Release the read
 * side, take the write side, and re-check what you read.
 *
 * <h2>Memory synchronization</h2>
 * As {@link ReentrantReadWriteLock}: releasing the write side <i>happens-before</i> any later
 * acquisition of either side; what a writer did is visible to every later reader. Readers must not
 * modify the shared state, since other readers run at the same time.
 *
 * <h2>Interruption and timeouts</h2>
 * {@link #read()} and {@link #write()} wait uninterruptibly, as {@link Lock#lock()};
 * {@link #readInterruptibly()}, {@link #writeInterruptibly()} and the timed {@link #read(Duration)}
 * and {@link #write(Duration)} throw {@link InterruptedException} when interrupted, and the timed
 * ones {@link LockTimeoutException} when the side is not free in time. {@link #tryRead()} and
 * {@link #tryWrite()} never wait.
 *
 * <h2>Re-entrancy</h2>
 * Both sides are re-entrant: a reader may read again, a writer may write again and may also read.
 * Each acquisition returns its own handle; handles must be closed by the thread that acquired them.
 * A thread that holds the read side can always read again, even while a writer waits.
 *
 * <h2>Metrics</h2>
 * As {@link Mutex}: {@code spindle.lock.wait}, {@code .held} and {@code .timeouts}, tag
 * {@code lock=}{@link #name()}, both sides together; nothing without a registry.
 */
public final class ReadWriteMutex {

    private final String name;
    private final ReentrantReadWriteLock lock;
    private final LockMeters meters;

    private ReadWriteMutex(Builder builder) {
        this.name = builder.name;
        this.lock = new ReentrantReadWriteLock(builder.fair);
        this.meters = LockMeters.of(builder.registry, builder.name);
    }

    /** A non-fair, uninstrumented read/write mutex named {@code name}. */
    public static ReadWriteMutex create(String name) {
        return builder(name).build();
    }

    /** A builder for a read/write mutex named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Takes the read side, waiting while a writer holds it; interruption does not end the wait. */
    public Held read() {
        Lock side = lock.readLock();
        return new LockHandle(side, meters, Acquisition.uninterruptibly(side, meters));
    }

    /**
     * Takes the read side unless interrupted.
     *
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held readInterruptibly() throws InterruptedException {
        Lock side = lock.readLock();
        return new LockHandle(side, meters, Acquisition.interruptibly(side, meters));
    }

    /**
     * Waits at most {@code timeout} for the read side.
     *
     * @throws LockTimeoutException if a writer kept it longer
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Held read(Duration timeout) throws InterruptedException {
        Lock side = lock.readLock();
        return new LockHandle(side, meters, Acquisition.within(side, timeout, meters, name));
    }

    /** Takes the read side if no writer holds it now, without waiting. */
    public Optional<Held> tryRead() {
        Lock side = lock.readLock();
        long start = meters.startWait();
        return side.tryLock() ? Optional.of(new LockHandle(side, meters, meters.acquired(start))) : Optional.empty();
    }

    /**
     * Takes the write side, waiting for readers and any writer to leave; interruption does not end the wait.
     *
     * @throws IllegalStateException if this thread holds only the read side (an upgrade)
     */
    public Writing write() {
        refuseUpgrade();
        Lock side = lock.writeLock();
        return new Writing(side, Acquisition.uninterruptibly(side, meters));
    }

    /**
     * Takes the write side unless interrupted.
     *
     * @throws IllegalStateException if this thread holds only the read side (an upgrade)
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Writing writeInterruptibly() throws InterruptedException {
        refuseUpgrade();
        Lock side = lock.writeLock();
        return new Writing(side, Acquisition.interruptibly(side, meters));
    }

    /**
     * Waits at most {@code timeout} for the write side.
     *
     * @throws IllegalStateException if this thread holds only the read side (an upgrade)
     * @throws LockTimeoutException if readers or a writer kept it longer
     * @throws InterruptedException if interrupted before or while waiting; nothing is held
     */
    public Writing write(Duration timeout) throws InterruptedException {
        refuseUpgrade();
        Lock side = lock.writeLock();
        return new Writing(side, Acquisition.within(side, timeout, meters, name));
    }

    /**
     * Takes the write side if it is free now, without waiting.
     *
     * @throws IllegalStateException if this thread holds only the read side (an upgrade)
     */
    public Optional<Writing> tryWrite() {
        refuseUpgrade();
        Lock side = lock.writeLock();
        long start = meters.startWait();
        return side.tryLock() ? Optional.of(new Writing(side, meters.acquired(start))) : Optional.empty();
    }

    /** Whether the calling thread holds the write side. */
    public boolean isWriteHeldByCurrentThread() {
        return lock.isWriteLockedByCurrentThread();
    }

    /** How many read acquisitions the calling thread holds (0 if none). */
    public int readHoldCount() {
        return lock.getReadHoldCount();
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ReadWriteMutex[" + name + ", readers=" + lock.getReadLockCount()
                + (lock.isWriteLocked() ? ", write-locked" : "") + "]";
    }

    private void refuseUpgrade() {
        if (lock.getReadHoldCount() > 0 && !lock.isWriteLockedByCurrentThread()) {
            throw new IllegalStateException("Thread '" + Thread.currentThread().getName() + "' holds the read lock of '"
                    + name + "' and asked for its write lock: upgrading would wait forever for its own read lock."
                    + " Release the read lock first, then acquire the write lock and re-check what you read.");
        }
    }

    /** A held write side, which can {@link #downgrade()} to the read side. */
    public final class Writing implements Held {

        private final LockHandle handle;

        private Writing(Lock side, long acquiredAt) {
            this.handle = new LockHandle(side, meters, acquiredAt);
        }

        /** Releases the write side; does nothing if it was already released or downgraded. */
        @Override
        public void close() {
            handle.close();
        }

        /**
         * Takes the read side and then releases this write side, so that no other writer can run in
         * between; afterwards closing this handle does nothing.
         *
         * @return the read handle, to be closed by this thread
         * @throws IllegalStateException if this handle was already released
         * @throws IllegalMonitorStateException if called by a thread that does not hold this write side
         */
        public Held downgrade() {
            if (handle.released()) {
                throw new IllegalStateException("The write lock of '" + name + "' was already released: nothing to downgrade");
            }
            if (!lock.isWriteLockedByCurrentThread()) {
                throw new IllegalMonitorStateException("Only the thread holding the write lock of '" + name + "' may downgrade it");
            }
            Lock side = lock.readLock();
            long start = meters.startWait();
            side.lock();
            Held reading = new LockHandle(side, meters, meters.acquired(start));
            handle.close();
            return reading;
        }
    }

    /** Settings of a {@link ReadWriteMutex}; not thread-safe, build on one thread. */
    public static final class Builder {
        private final String name;
        private boolean fair;
        private MeterRegistry registry;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Grant the sides in approximately arrival order (default {@code false}). */
        public Builder fair(boolean fair) {
            this.fair = fair;
            return this;
        }

        /** Record {@code spindle.lock.*} meters in {@code registry}; {@code null} (the default) records nothing. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public ReadWriteMutex build() {
            return new ReadWriteMutex(this);
        }
    }
}
