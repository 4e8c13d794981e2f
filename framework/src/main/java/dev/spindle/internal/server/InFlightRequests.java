package dev.spindle.internal.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts requests between arrival and completion, so shutdown can wait for the last one. Counting
 * is a single atomic on the IO threads; the lock is taken only while someone waits.
 */
final class InFlightRequests {

    private final AtomicLong count = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private volatile boolean awaited;

    void begin() {
        count.incrementAndGet();
    }

    void end() {
        if (count.decrementAndGet() == 0 && awaited) {
            lock.lock();
            try {
                empty.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    long count() {
        return count.get();
    }

    /** Waits until no request is in flight or {@code timeout} passes; {@code true} if none is. */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            awaited = true;
            while (count.get() > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = empty.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
