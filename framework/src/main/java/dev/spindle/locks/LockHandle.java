package dev.spindle.locks;

import java.util.concurrent.locks.Lock;

/**
 * A held {@link Lock}. Only the owning thread touches it (unlocking from another thread throws
 * before {@code released} is set), so the flag needs no synchronization.
 */
class LockHandle implements Held {

    private final Lock lock;
    private final LockMeters meters;
    private final long acquiredAt;
    private boolean released;

    LockHandle(Lock lock, LockMeters meters, long acquiredAt) {
        this.lock = lock;
        this.meters = meters;
        this.acquiredAt = acquiredAt;
    }

    @Override
    public final void close() {
        if (released) {
            return;
        }
        lock.unlock();
        released = true;
        meters.released(acquiredAt);
        afterRelease();
    }

    /** Whether {@link #close()} has released the lock. */
    final boolean released() {
        return released;
    }

    /** Runs once, after the lock is released. */
    void afterRelease() {
    }
}
