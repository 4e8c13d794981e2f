package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.ThreadingMode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DemoAppTest {

    private static DemoOptions options(String... args) {
        return DemoOptions.parse(List.of(args));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--single", "--threaded", "--virtual", "--pool=3"})
    void the_demo_routes_answer_in_every_mode(String flag) throws Exception {
        DemoOptions options = options(flag, "--port", "0");
        SpindleTest.test(DemoApp.create(options), client -> {
            client.spec().get("/fast").then().statusCode(200).body(equalTo("fast"));
            client.spec().get("/slow?ms=1").then().statusCode(200).body(equalTo("slow (1 ms)"));
            client.spec().get("/cpu?n=100000").then().statusCode(200)
                    .body("primes", equalTo(9592))
                    .body("thread", startsWith("spindle-" + options.mode().shortName() + "-app-"));
            client.spec().get("/health").then().statusCode(200)
                    .body("status", equalTo("UP")).body("mode", equalTo(options.mode().shortName()));
            client.spec().get("/").then().statusCode(200).contentType("text/html; charset=UTF-8");
            client.spec().get("/metrics/routes").then().statusCode(200).body("mode", equalTo(options.mode().shortName()));
        });
    }

    @Test
    void mode_flags_choose_the_threading_mode() {
        assertThat(options("--single").mode()).isEqualTo(ThreadingMode.singleThreaded());
        assertThat(options("--threaded").mode()).isEqualTo(ThreadingMode.threadPerRequest());
        assertThat(options("--virtual").mode()).isEqualTo(ThreadingMode.virtualThreads());
        assertThat(options("--pool").mode()).isEqualTo(ThreadingMode.workerPool(8, ThreadingMode.DEFAULT_QUEUE));
        assertThat(options("--pool=4", "--queue", "10").mode()).isEqualTo(ThreadingMode.workerPool(4, 10));
        assertThat(options("--single", "--queue", "5").mode()).isEqualTo(ThreadingMode.singleThreaded(5));
        assertThat(options("--slow-ms", "250").slowMs()).isEqualTo(250);
    }

    @Test
    void bad_flags_are_refused_with_a_sentence() {
        assertThatThrownBy(() -> options("--single", "--threaded")).hasMessageContaining("Choose one mode");
        assertThatThrownBy(() -> options("--pool=0")).hasMessageContaining("--pool");
        assertThatThrownBy(() -> options("--port")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> options("--fast")).hasMessageContaining("Unknown option");
    }

    @Test
    void bench_settings_are_bounded() {
        assertThat(Bench.parse(List.of("--modes", "single,pool", "--duration", "5")).modes()).containsExactly("single", "pool");
        assertThatThrownBy(() -> Bench.parse(List.of("--duration", "1000"))).hasMessageContaining("from 1 to 120");
        assertThatThrownBy(() -> Bench.parse(List.of("--modes", "turbo"))).hasMessageContaining("Unknown mode");
    }
}
