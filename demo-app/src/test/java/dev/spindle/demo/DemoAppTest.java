package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.ThreadingMode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
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
                    .body("thread", startsWith("spindle-" + options.mode().shortName() + "-app"));
            client.spec().get("/health").then().statusCode(200)
                    .body("status", equalTo("UP")).body("mode", equalTo(options.mode().shortName()));
            client.spec().contentType("application/json").body("{\"mode\":\"" + flag + "\"}").post("/echo").then()
                    .statusCode(200).contentType("application/json").body("mode", equalTo(flag));
            client.spec().get("/").then().statusCode(200).contentType("text/html; charset=UTF-8");
            client.spec().get("/metrics/routes").then().statusCode(200).body("mode", equalTo(options.mode().shortName()));
        });
    }

    @Test
    void echo_returns_a_1_kib_json_body_as_it_came_and_refuses_what_is_not_json() throws Exception {
        String body = "{\"id\":7,\"tags\":[\"a\",\"b\"],\"nested\":{\"ok\":true,\"ratio\":0.5},\"text\":\"%s\"}";
        String oneKiB = body.formatted("x".repeat(1024 - body.length() + 2));
        assertThat(oneKiB).hasSize(1024);
        SpindleTest.test(DemoApp.create(options("--port", "0")), client -> {
            String echoed = client.spec().contentType("application/json").body(oneKiB).post("/echo").then()
                    .statusCode(200).contentType("application/json").extract().asString();
            assertThat(echoed).isEqualTo(oneKiB);
            client.spec().contentType("application/json").body("{\"id\":").post("/echo").then()
                    .statusCode(400).contentType("application/problem+json").body("detail", startsWith("Malformed JSON"));
            client.spec().contentType("text/plain").body("{}").post("/echo").then()
                    .statusCode(415).contentType("application/problem+json");
            client.spec().get("/echo").then().statusCode(405).header("Allow", equalTo("OPTIONS, POST"));
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
        assertThat(options("--pool", "--queue", "7").mode()).isEqualTo(ThreadingMode.workerPool(8, 7));
        assertThat(options("--slow-ms", "250").slowMs()).isEqualTo(250);
        assertThat(options("--no-metrics").metrics()).isFalse();
        assertThat(options("--allow-private-callbacks").allowPrivateCallbacks()).isTrue();
        assertThat(options("--host", "0.0.0.0", "--port", "0").host()).isEqualTo("0.0.0.0");
    }

    @Test
    void plain_command_lines_are_read_without_picocli_as_picocli_reads_them() {
        assertThat(DemoCommand.plain("--virtual", "--port", "8080")).contains(options("--virtual", "--port", "8080"));
        assertThat(DemoCommand.plain()).contains(options());
        assertThat(DemoCommand.plain("--pool=4", "--queue", "10", "--no-metrics"))
                .contains(options("--pool=4", "--queue", "10", "--no-metrics"));
        assertThat(DemoCommand.plain("--help")).isEmpty();
        assertThat(DemoCommand.plain("bench", "--scenario", "fanout")).isEmpty();
        List<String> tokens = List.of("--single", "--threaded", "--virtual", "--pool", "--pool=3", "--pool=0", "--pool=x",
                "--queue", "--queue=7", "--queue=", "--port", "--port=0", "--port=-1", "--port=+5", "--host", "--host=::1",
                "--slow-ms", "--slow-ms=250", "--no-metrics", "--no-metrics=true", "--allow-private-callbacks",
                "0", "5", "007", "-3", "+5", "99999999999", "0.0.0.0", "@args", "-h", "--help", "-V", "bench", "--", "x");
        Random random = new Random(11);
        int readPlain = 0;
        for (int sample = 0; sample < 5_000; sample++) {
            String[] args = new String[random.nextInt(6)];
            Arrays.setAll(args, i -> tokens.get(random.nextInt(tokens.size())));
            Optional<DemoOptions> plain = DemoCommand.plain(args);
            if (plain.isPresent()) {
                readPlain++;
                assertThat(plain).as(String.join(" ", args)).contains(DemoCommand.parse(args));
            }
        }
        assertThat(readPlain).as("plain command lines among the samples").isGreaterThan(500);
    }

    @Test
    void every_server_option_is_read_without_picocli() {
        for (OptionSpec option : DemoCommand.commandLine(new DemoCommand()).getCommandSpec().options()) {
            if (option.usageHelp() || option.versionHelp() || option.longestName().equals("--jobs-db")) {
                continue; // --jobs-db checks its URL and the webhook secret's variable: picocli reads it
            }
            String value = option.arity().max() == 0 ? null : option.type() == String.class ? "localhost" : "3";
            String[] args = value == null ? new String[] {option.longestName()} : new String[] {option.longestName(), value};
            assertThat(DemoCommand.plain(args)).as(String.join(" ", args)).contains(DemoCommand.parse(args));
        }
    }

    @Test
    void bad_flags_are_refused_with_a_sentence() {
        assertThatThrownBy(() -> options("--single", "--threaded")).isInstanceOf(ParameterException.class)
                .hasMessageContaining("mutually exclusive");
        assertThatThrownBy(() -> options("--pool=0")).hasMessageContaining("--pool");
        assertThatThrownBy(() -> options("--port")).hasMessageContaining("--port");
        assertThatThrownBy(() -> options("--fast")).hasMessageContaining("Unknown option: '--fast'");
    }

    @Test
    void an_unknown_flag_prints_the_usage_and_exits_2() {
        StringWriter err = new StringWriter();
        int exit = DemoCommand.commandLine(new DemoCommand()).setErr(new PrintWriter(err)).execute("--turbo");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--turbo'").contains("Usage:").contains("--pool");
    }

    @Test
    void help_lists_every_flag_and_version_names_the_build() {
        StringWriter out = new StringWriter();
        assertThat(DemoCommand.commandLine(new DemoCommand()).setOut(new PrintWriter(out)).execute("--help")).isZero();
        assertThat(out.toString()).contains("--single", "--threaded", "--virtual", "--pool", "--queue", "--port",
                "--host", "--slow-ms", "--allow-private-callbacks", "--no-metrics", "--version", "bench");
        StringWriter version = new StringWriter();
        assertThat(DemoCommand.commandLine(new DemoCommand()).setOut(new PrintWriter(version)).execute("--version")).isZero();
        assertThat(version.toString()).startsWith("Spindle demo ").doesNotContain("${project.version}").doesNotContain("unknown");
    }

    @Test
    void bench_options_are_bounded() {
        StringWriter err = new StringWriter();
        CommandLine cli = DemoCommand.commandLine(new DemoCommand()).setErr(new PrintWriter(err));
        assertThat(cli.execute("bench", "--duration", "1000")).isEqualTo(2);
        assertThat(err.toString()).contains("--duration takes a number from 0.1 to 120, not 1,000");
        assertThat(cli.execute("bench", "--modes", "turbo")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown mode 'turbo'");
        assertThat(cli.execute("bench", "--scenario", "slowest")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown scenario 'slowest'");
        assertThat(cli.execute("bench", "--fanout", "100000")).isEqualTo(2);
        assertThat(err.toString()).contains("--fanout takes a number from 1 to 10,000");
    }
}
