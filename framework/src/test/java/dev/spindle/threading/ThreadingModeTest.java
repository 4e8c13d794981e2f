package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadingModeTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty("spindle.mode");
    }

    @Test
    void parses_every_documented_form() {
        assertThat(ThreadingMode.parse("single")).isEqualTo(ThreadingMode.singleThreaded());
        assertThat(ThreadingMode.parse("threaded")).isEqualTo(ThreadingMode.threadPerRequest());
        assertThat(ThreadingMode.parse("VIRTUAL")).isEqualTo(ThreadingMode.virtualThreads());
        assertThat(ThreadingMode.parse("pool")).isEqualTo(
                ThreadingMode.workerPool(ThreadingMode.WorkerPool.DEFAULT_THREADS, ThreadingMode.DEFAULT_QUEUE));
        assertThat(ThreadingMode.parse("pool:16")).isEqualTo(ThreadingMode.workerPool(16, ThreadingMode.DEFAULT_QUEUE));
        assertThat(ThreadingMode.parse("pool:16:50")).isEqualTo(ThreadingMode.workerPool(16, 50));
    }

    @Test
    void an_invalid_mode_is_refused_with_the_valid_ones_listed() {
        for (String invalid : new String[] {"threads", "pool:x", "pool:0", "pool:1:2:3", "single:3", ""}) {
            assertThatThrownBy(() -> ThreadingMode.parse(invalid))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("single, threaded, virtual, pool");
        }
    }

    @Test
    void the_system_property_chooses_the_app_mode() {
        System.setProperty("spindle.mode", "pool:3:7");
        assertThat(Spindle.create().threadingMode()).isEqualTo(ThreadingMode.workerPool(3, 7));
    }

    @Test
    void an_invalid_system_property_fails_the_app_with_the_valid_values() {
        System.setProperty("spindle.mode", "fast");
        assertThatThrownBy(() -> Spindle.create().start(0))
                .hasMessageContaining("Invalid threading mode 'fast'")
                .hasMessageContaining("single, threaded, virtual, pool");
    }

    @Test
    void code_wins_over_the_system_property() {
        System.setProperty("spindle.mode", "single");
        assertThat(Spindle.create(config -> config.threading(ThreadingMode.virtualThreads())).threadingMode())
                .isEqualTo(ThreadingMode.virtualThreads());
    }
}
