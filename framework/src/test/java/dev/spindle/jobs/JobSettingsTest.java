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
        assertThatThrownBy(() -> settings.webhookRetries(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Webhook retry delays must not be negative, were [PT-1S]");
        assertThatThrownBy(() -> settings.timeout(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
    }

    @Test
    void zero_is_a_drain_timeout_and_a_retry_delay_but_not_a_timeout() {
        assertThat(settings.drainTimeout(Duration.ZERO).webhookRetries(Duration.ZERO)).isSameAs(settings);
        assertThatThrownBy(() -> settings.maxWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void webhook_secrets_in_the_whsec_form_must_be_base64_of_at_least_24_bytes() {
        assertThatThrownBy(() -> settings.webhookSecret(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("A webhook secret must not be empty");
        assertThatThrownBy(() -> settings.webhookSecret("whsec_%%%"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("A whsec_ webhook secret must be followed by base64");
        assertThatThrownBy(() -> settings.webhookSecret("whsec_" + "A".repeat(30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A whsec_ webhook secret must hold at least 24 random bytes, this one holds 22");
        assertThatThrownBy(() -> settings.webhookSecrets()).hasMessage("At least one webhook secret is needed");
        assertThatThrownBy(() -> settings.webhookMaxPendingRetries(-1))
                .hasMessage("webhookMaxPendingRetries must not be negative, was -1");
        assertThat(settings.webhookSecret("whsec_" + "A".repeat(32)).webhookKeys).singleElement()
                .satisfies(key -> assertThat(key).hasSize(24));
        assertThat(settings.webhookSecret("short but plain").webhookKeys).singleElement()
                .satisfies(key -> assertThat(key).hasSize(15));
    }
}
