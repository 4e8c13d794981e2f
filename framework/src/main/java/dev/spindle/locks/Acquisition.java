package dev.spindle.locks;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/** The three ways to wait for a {@link Lock}, measured; shared by every owned lock in the package. */
final class Acquisition {

    private Acquisition() {
    }

    /** {@link Lock#lock()}; returns the acquisition time for {@link LockMeters#released}. */
    static long uninterruptibly(Lock lock, LockMeters meters) {
        long start = meters.startWait();
        lock.lock();
        return meters.acquired(start);
    }

    /** {@link Lock#lockInterruptibly()}. */
    static long interruptibly(Lock lock, LockMeters meters) throws InterruptedException {
        long start = meters.startWait();
        lock.lockInterruptibly();
        return meters.acquired(start);
    }

    /** {@link Lock#tryLock(long, TimeUnit)}, throwing instead of returning {@code false}. */
    static long within(Lock lock, Duration timeout, LockMeters meters, String name) throws InterruptedException {
        long start = meters.startWait();
        if (!lock.tryLock(nanos(timeout), TimeUnit.NANOSECONDS)) {
            meters.timedOut();
            throw new LockTimeoutException(name, timeout);
        }
        return meters.acquired(start);
    }

    /** A timeout in nanoseconds: negative waits are zero, huge ones saturate. */
    static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            return 0L;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
