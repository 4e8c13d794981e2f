package dev.spindle.jobs;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * When a webhook delivery is attempted: once at once, then once after each delay in turn, so
 * {@code delays.size() + 1} attempts in all, until one is answered 2xx. Each wait is its delay
 * shortened by a random 0–10%, so receivers that failed together are not retried together, and the
 * last attempt starts at most {@link #total()} after the first.
 */
record RetrySchedule(List<Duration> delays) {

    /**
     * Standard Webhooks' example schedule up to 10 hours: 8 attempts over 27 h 35 min 5 s, long
     * enough to outlast a receiver's overnight outage.
     */
    static final RetrySchedule DEFAULT = new RetrySchedule(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10)));

    /** The most retries a schedule may list. */
    static final int MAX_RETRIES = 100;

    RetrySchedule {
        if (delays.size() > MAX_RETRIES) {
            throw new IllegalArgumentException("A webhook is retried at most " + MAX_RETRIES + " times, asked for "
                    + delays.size());
        }
        for (Duration delay : delays) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("Webhook retry delays must not be negative, were " + delays);
            }
        }
        delays = List.copyOf(delays);
    }

    /** Attempts in all, the first included. */
    int attempts() {
        return delays.size() + 1;
    }

    /** From the first attempt's start to the last one's, at most. */
    Duration total() {
        return delays.stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** Whether failed attempt {@code attempt} (1-based) is followed by another. */
    boolean retriesAfter(int attempt) {
        return attempt < attempts();
    }

    /** The wait after failed attempt {@code attempt} (1-based): its delay less a random 0–10% of it. */
    Duration waitAfter(int attempt, RandomGenerator random) {
        Duration delay = delays.get(attempt - 1);
        return delay.minusNanos(random.nextLong(delay.toNanos() / 10 + 1));
    }

    /** For docs, logs and the meters' descriptions, e.g. {@code 3 attempts: at once, then after 5 s and 5 min (5 min 5 s in all)}. */
    String describe() {
        if (delays.isEmpty()) {
            return "1 attempt, no retry";
        }
        StringBuilder text = new StringBuilder().append(attempts()).append(" attempts: at once, then after ");
        for (int i = 0; i < delays.size(); i++) {
            if (i > 0) {
                text.append(i == delays.size() - 1 ? " and " : ", ");
            }
            text.append(human(delays.get(i)));
        }
        return text.append(" (").append(human(total())).append(" in all)").toString();
    }

    static String human(Duration duration) {
        if (duration.isZero()) {
            return "0 s";
        }
        StringBuilder text = new StringBuilder();
        append(text, duration.toHours(), "h");
        append(text, duration.toMinutesPart(), "min");
        append(text, duration.toSecondsPart(), "s");
        append(text, duration.toMillisPart(), "ms");
        return text.isEmpty() ? duration.toNanos() + " ns" : text.toString();
    }

    private static void append(StringBuilder text, long amount, String unit) {
        if (amount > 0) {
            text.append(text.isEmpty() ? "" : " ").append(amount).append(' ').append(unit);
        }
    }
}
