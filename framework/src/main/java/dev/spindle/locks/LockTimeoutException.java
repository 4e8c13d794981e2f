package dev.spindle.locks;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when a timed acquisition ({@code acquire(Duration)}) gives up: the lock, side or permit was
 * not available within the wait. The message names the lock and the wait, for example
 * {@code Lock 'inventory' not acquired within 200 ms}. Nothing is held when it is thrown.
 *
 * <p>It is unchecked because the usual answer is to fail the request (a web handler answers an
 * error), not to retry around the call site. Use {@code tryAcquire()} where not getting the lock is
 * an expected outcome.
 */
public class LockTimeoutException extends RuntimeException {

    private final String lockName;
    private final Duration waited;

    /** A timeout of the lock named {@code lockName} after waiting {@code waited}. */
    public LockTimeoutException(String lockName, Duration waited) {
        super("Lock '" + Objects.requireNonNull(lockName) + "' not acquired within " + describe(waited));
        this.lockName = lockName;
        this.waited = waited;
    }

    /** The name of the lock that was not acquired. */
    public String lockName() {
        return lockName;
    }

    /** How long the caller was prepared to wait. */
    public Duration waited() {
        return waited;
    }

    private static String describe(Duration wait) {
        long millis = wait.toMillis();
        if (millis == 0 && !wait.isZero()) {
            return wait.toNanos() / 1_000 + " µs";
        }
        return millis + " ms";
    }
}
