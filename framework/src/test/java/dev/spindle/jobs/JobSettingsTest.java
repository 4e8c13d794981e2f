package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobSettingsTest {

    private final JobSettings settings = new JobSettings();

    @Test
    void durations_are_refused_with_a_sentence_naming_the_setting() {
        assertThatThrownBy(() -> settings.ttl(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be positive, was PT0S");
        assertThatThrownBy(() -> settings.webhookTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("webhookTimeout must be positive, was PT-1S");
        assertThatThrownBy(() -> settings.drainTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("drainTimeout must not be negative, was PT-1S");
        assertThatThrownBy(() -> settings.webhookBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 <= initial <= max");
        assertThatThrownBy(() -> settings.timeout(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
    }

    @Test
    void zero_is_a_drain_timeout_and_a_backoff_but_not_a_timeout() {
        assertThat(settings.drainTimeout(Duration.ZERO).webhookBackoff(Duration.ZERO, Duration.ZERO)).isSameAs(settings);
        assertThatThrownBy(() -> settings.maxWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
