package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench} end to end against real servers: the demo on a free port as a {@code --url}, and
 * the demo started by bench in a JVM of its own. Each load is bounded by {@code --max-requests};
 * {@code --duration} is only the guard, so nothing here depends on how fast the machine is.
 */
class BenchRunTest {

    private record Run(int exit, String out, String err, JsonNode json, String html) {
    }

    private static Run bench(Path out, String... args) throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        String[] all = Stream.concat(Stream.of("bench", "--out", out.toString(), "--warmup", "0", "--client-warmup", "0",
                "--duration", "60"),
                Stream.of(args)).toArray(String[]::new);
        int exit = DemoCommand.commandLine(new DemoCommand()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr))
                .execute(all);
        JsonNode json = null;
        String html = null;
        if (Files.isDirectory(out)) {
            try (Stream<Path> files = Files.list(out)) {
                for (Path file : files.toList()) {
                    if (file.toString().endsWith(".json")) {
                        json = JsonMapper.builder().build().readTree(Files.readString(file, StandardCharsets.UTF_8));
                    } else if (file.toString().endsWith(".html")) {
                        html = Files.readString(file, StandardCharsets.UTF_8);
                    }
                }
            }
        }
        return new Run(exit, stdout.toString(), stderr.toString(), json, html);
    }

    private static JsonNode step(JsonNode target, String scenario) {
        for (JsonNode step : target.get("steps")) {
            if (step.get("scenario").asString().equals(scenario)) {
                return step;
            }
        }
        throw new AssertionError("no " + scenario + " step in " + target);
    }

    @Test
    void a_url_target_gets_the_tables_the_json_and_an_offline_html_report(@TempDir Path out) throws Exception {
        DemoOptions options = DemoOptions.parse(List.of("--pool=2", "--port", "0"));
        SpindleTest.test(DemoApp.create(options), client -> {
            Run run = bench(out, "--url", "pool2=" + client.baseUrl(), "--scenario", "fast,mixed",
                    "--max-requests", "60", "--connections", "4", "--slow-connections", "2", "--slow-ms", "5",
                    "--probe-rate", "500");

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("### fast: GET /fast, closed, 4 connections", "### mixed:", "| pool2 |")
                    .doesNotContain("\r"); // not a terminal: no progress line
            JsonNode target = run.json().get("targets").get(0);
            assertThat(target.get("label").asString()).isEqualTo("pool2");
            assertThat(target.get("spindle").asBoolean()).isTrue();
            JsonNode fast = step(target, "fast");
            assertThat(fast.get("loads").get(0).get("completed").asLong()).isEqualTo(60);
            assertThat(fast.get("spindle").get("queueWaitP99Ms").has("/fast")).isTrue();
            assertThat(fast.get("server").get("rssMiB").asLong()).isPositive(); // found by its port in /proc
            JsonNode mixed = step(target, "mixed");
            assertThat(mixed.get("loads")).extracting(load -> load.get("name").asString()).containsExactly("/slow", "/fast");
            assertThat(mixed.get("loads").get(1).get("model").asString()).isEqualTo("open");
            assertThat(mixed.get("loads").get(1).get("completed").asLong()).isEqualTo(60);

            assertThat(run.html()).contains("<table>", "uPlot", "const RESULT = {").doesNotContain("src=\"http")
                    .doesNotContain("href=\"http");
        });
    }

    @Test
    void requests_past_a_full_queue_are_503s_the_client_and_the_server_count_alike(@TempDir Path out) throws Exception {
        // 2 threads and 2 queue places for 8 connections on /slow?ms=1000: 4 are served, the others
        // are refused at once and retry, until the 40 requests allowed are used up.
        DemoOptions options = DemoOptions.parse(List.of("--pool=2", "--queue", "2", "--port", "0"));
        SpindleTest.test(DemoApp.create(options), client -> {
            Run run = bench(out, "--url", client.baseUrl(), "--scenario", "fanout", "--fanout", "8",
                    "--slow-ms", "1000", "--max-requests", "40");

            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode fanout = step(run.json().get("targets").get(0), "fanout");
            JsonNode slow = fanout.get("loads").get(0);
            long refusedByClient = slow.get("errors").get("status").path("503").asLong();
            assertThat(slow.get("completed").asLong() + refusedByClient).isEqualTo(40);
            assertThat(refusedByClient).isPositive();
            assertThat(fanout.get("spindle").get("refused").get("/slow").asLong()).isEqualTo(refusedByClient);
            assertThat(run.out()).contains("503 x" + refusedByClient);
        });
    }

    @Test
    void echo_posts_a_1_kib_json_body_and_is_skipped_for_a_server_without_echo(@TempDir Path out) throws Exception {
        Spindle bare = Spindle.create();
        bare.get("/fast", ctx -> "fast");
        SpindleTest.test(bare, other -> SpindleTest.test(DemoApp.create(DemoOptions.parse(List.of("--port", "0"))), client -> {
            Run run = bench(out, "--url", "demo=" + client.baseUrl(), "--url", "bare=" + other.baseUrl(),
                    "--scenario", "echo", "--fanout", "4", "--max-requests", "40");

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("### echo: POST /echo, a 1,024-byte JSON body, on 4 connections (closed)",
                    "| demo |", "bare: echo skipped: POST /echo did not answer 200");
            JsonNode echo = step(run.json().get("targets").get(0), "echo");
            JsonNode load = echo.get("loads").get(0);
            assertThat(load.get("name").asString()).isEqualTo("/echo");
            assertThat(load.get("completed").asLong()).isEqualTo(40);
            assertThat(load.get("errors").get("status").isEmpty()).isTrue();
            assertThat(run.json().get("targets").get(1).get("steps").isEmpty()).isTrue();
        }));
    }

    @Test
    void a_demo_mode_runs_in_a_jvm_of_its_own_and_is_stopped_after(@TempDir Path out) throws Exception {
        Run run = bench(out, "--modes", "single", "--scenario", "fast", "--max-requests", "50", "--connections", "2");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("single: starting the demo with --single", "| single |");
        JsonNode target = run.json().get("targets").get(0);
        assertThat(target.get("kind").asString()).isEqualTo("demo");
        assertThat(target.get("spindle").asBoolean()).isTrue();
        JsonNode fast = step(target, "fast");
        assertThat(fast.get("loads").get(0).get("completed").asLong()).isEqualTo(50);
        assertThat(fast.get("server").get("platformThreads").asInt()).isPositive();
    }
}
