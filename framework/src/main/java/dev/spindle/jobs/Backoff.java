package dev.spindle.jobs;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with "equal jitter": the wait before attempt {@code n + 1} is
 * {@code min(max, initial * 2^(n-1))}, then a uniformly random point between half of that and all of
 * it, so receivers that failed together are not retried together.
 */
record Backoff(Duration initial, Duration max, RandomGenerator random) {

    /** The wait after failed attempt {@code attempt} (1-based). */
    Duration after(int attempt) {
        long initialNanos = initial.toNanos();
        if (initialNanos == 0) {
            return Duration.ZERO;
        }
        long maxNanos = max.toNanos();
        int shift = Math.min(attempt - 1, 62);
        long ceiling = initialNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, initialNanos << shift);
        long half = ceiling / 2;
        return Duration.ofNanos(half + random.nextLong(ceiling - half + 1));
    }
}
