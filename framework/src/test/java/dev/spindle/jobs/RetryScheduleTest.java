package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    @Test
    void the_default_schedule_is_eight_attempts_over_27_hours_35_minutes_5_seconds() {
        RetrySchedule schedule = RetrySchedule.DEFAULT;
        assertThat(schedule.delays()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
                Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
        assertThat(schedule.attempts()).isEqualTo(8);
        assertThat(schedule.total()).isEqualTo(Duration.ofHours(27).plusMinutes(35).plusSeconds(5));
        assertThat(schedule.describe()).isEqualTo(
                "8 attempts: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (27 h 35 min 5 s in all)");
        assertThat(new JobSettings().webhookRetries).isEqualTo(schedule);
    }

    @Test
    void every_failed_attempt_but_the_last_is_followed_by_another() {
        RetrySchedule schedule = RetrySchedule.DEFAULT;
        for (int attempt = 1; attempt <= 7; attempt++) {
            assertThat(schedule.retriesAfter(attempt)).as("after attempt " + attempt).isTrue();
        }
        assertThat(schedule.retriesAfter(8)).isFalse();
        assertThat(new RetrySchedule(List.of()).retriesAfter(1)).isFalse();
        assertThat(new RetrySchedule(List.of()).describe()).isEqualTo("1 attempt, no retry");
    }

    @Test
    void each_wait_is_its_delay_shortened_by_at_most_a_tenth() {
        RetrySchedule schedule = RetrySchedule.DEFAULT;
        RandomGenerator random = new SplittableRandom(13);
        for (int attempt = 1; attempt <= 7; attempt++) {
            Duration delay = schedule.delays().get(attempt - 1);
            for (int sample = 0; sample < 100; sample++) {
                assertThat(schedule.waitAfter(attempt, random)).as("after attempt " + attempt)
                        .isBetween(delay.minus(delay.dividedBy(10)), delay);
            }
        }
        RandomGenerator lowest = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public long nextLong(long bound) {
                return 0;
            }
        };
        assertThat(schedule.waitAfter(4, lowest)).isEqualTo(Duration.ofHours(2));
        RandomGenerator highest = new RandomGenerator() {
            @Override
            public long nextLong() {
                return Long.MAX_VALUE;
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
        assertThat(schedule.waitAfter(4, highest)).isEqualTo(Duration.ofMinutes(108));
        assertThat(new RetrySchedule(List.of(Duration.ZERO)).waitAfter(1, highest)).isZero();
    }

    @Test
    void schedules_are_bounded_and_not_negative() {
        assertThat(new RetrySchedule(Collections.nCopies(100, Duration.ofHours(1))).attempts()).isEqualTo(101);
        assertThatThrownBy(() -> new RetrySchedule(Collections.nCopies(101, Duration.ofHours(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A webhook is retried at most 100 times, asked for 101");
        assertThatThrownBy(() -> new JobSettings().webhookRetries(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Webhook retry delays must not be negative, were [PT1S, PT-1S]");
    }

    @Test
    void durations_read_as_people_write_them() {
        assertThat(RetrySchedule.human(Duration.ZERO)).isEqualTo("0 s");
        assertThat(RetrySchedule.human(Duration.ofMillis(250))).isEqualTo("250 ms");
        assertThat(RetrySchedule.human(Duration.ofSeconds(90))).isEqualTo("1 min 30 s");
        assertThat(RetrySchedule.human(Duration.ofHours(49))).isEqualTo("49 h");
        assertThat(RetrySchedule.human(Duration.ofNanos(5))).isEqualTo("5 ns");
    }
}
