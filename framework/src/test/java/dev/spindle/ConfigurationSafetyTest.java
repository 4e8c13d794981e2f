package dev.spindle;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings that would quietly mean something unsafe are refused when they are made, with a sentence saying why. */
class ConfigurationSafetyTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "//"})
    void static_resources_from_the_classpath_root_are_refused(String folder) {
        assertThatThrownBy(() -> Spindle.create(config -> config.staticResources("/x", folder)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would serve the whole classpath");
    }

    @Test
    void a_body_limit_no_array_can_hold_is_refused_not_made_unlimited() {
        assertThatThrownBy(() -> Spindle.create(config -> config.maxBodySize(Integer.MAX_VALUE + 1L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 2147483647 bytes")
                .hasMessageContaining("streamingBody");
    }
}
