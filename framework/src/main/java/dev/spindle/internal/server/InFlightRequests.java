package dev.spindle.internal.server;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts requests between arrival and completion, so shutdown can wait for the last one: route
 * requests, static-file responses until their last byte, and WebSocket sessions until they close
 * (each counts as one more begin and end). Every IO
 * thread moves the count twice per request, so it is two {@link LongAdder}s, one of requests begun
 * and one of requests ended, rather than one shared atomic: each thread adds to a cell of its own
 * instead of pulling one cache line back and forth between the cores. The lock is taken only while
 * someone waits.
 *
 * <p>Both sums only grow, and a sum read while others add lies between the totals at the start and
 * the end of the read. So reading {@code ended} before {@code begun} and finding them equal proves
 * that at the moment between the two reads no request was in flight; reading one signed sum would
 * not (an end counted and a begin missed could make it zero while a request runs).
 */
final class InFlightRequests {

    private final LongAdder begun = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private volatile boolean awaited;

    void begin() {
        begun.increment();
    }

    void end() {
        ended.increment();
        if (awaited) {
            lock.lock();
            try {
                empty.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    long count() {
        long done = ended.sum();
        return Math.max(0, begun.sum() - done);
    }

    private boolean none() {
        long done = ended.sum();
        return begun.sum() == done;
    }

    /** Waits until no request is in flight or {@code timeout} passes; {@code true} if none is. */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            awaited = true;
            while (!none()) {
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
