package dev.spindle.demo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator against a real server on a free port. Every load here is bounded by a
 * request count (the long durations are only a guard against a hang), so the assertions are about
 * what was counted, never about how fast.
 */
class LoadGeneratorTest {

    private static final Duration GUARD = Duration.ofSeconds(60);

    private final CountDownLatch release = new CountDownLatch(1);
    private Spindle app;
    private Target target;
    private LoadGenerator generator;

    @BeforeEach
    void start() {
        app = Spindle.create(config -> config.threading(ThreadingMode.virtualThreads()));
        app.get("/fast", ctx -> "fast");
        app.get("/slow", ctx -> { // the server's route sleeps, as the demo's /slow does; the test never waits on time
            Thread.sleep(ctx.queryParamAsLong("ms", 0));
            return "slow";
        });
        app.get("/teapot", ctx -> {
            ctx.status(418);
            return "short and stout";
        });
        app.get("/hold", ctx -> release.await(30, TimeUnit.SECONDS) ? "released" : "gave up");
        app.post("/body", ctx -> { // 200 only for the echo scenario's body, byte for byte
            ctx.status(Arrays.equals(ctx.bodyBytes(), Scenario.ECHO_BODY) && ctx.contentType().equals("application/json") ? 200 : 400);
            return "checked";
        });
        app.start(0);
        target = Target.parse("test", "http://127.0.0.1:" + app.port(), false);
        generator = new LoadGenerator(1);
    }

    @AfterEach
    void stop() {
        release.countDown();
        generator.close();
        app.stop();
    }

    private LoadResult run(Load load, Duration duration) throws Exception {
        return generator.run(List.of(load), duration, tick -> { }).loads().getFirst();
    }

    @Test
    void a_load_with_a_json_body_posts_it_whole_with_every_request() throws Exception {
        assertThat(Scenario.ECHO_BODY).hasSize(1024);
        LoadResult result = run(new Load("/body", target, "/body", 2, 0, 200, Duration.ofSeconds(10), Scenario.ECHO_BODY), GUARD);

        assertThat(result.completed()).isEqualTo(200);
        assertThat(result.errors().total()).isZero();
    }

    @Test
    void a_count_bounded_closed_load_sends_and_counts_exactly_that_many() throws Exception {
        LoadResult result = run(new Load("/fast", target, "/fast", 4, 0, 500, Duration.ofSeconds(10)), GUARD);

        assertThat(result.completed()).isEqualTo(500);
        assertThat(result.errors().total()).isZero();
        assertThat(result.unfinished()).isZero();
        assertThat(result.latency().count()).isEqualTo(500);
        assertThat(result.latency().p50()).isPositive();
        assertThat(result.perSecond()).isPositive();
    }

    @Test
    void answers_outside_2xx_and_3xx_count_as_status_errors_by_code_and_stay_out_of_the_latencies() throws Exception {
        LoadResult result = run(new Load("/teapot", target, "/teapot", 2, 0, 50, Duration.ofSeconds(10)), GUARD);

        assertThat(result.completed()).isZero();
        assertThat(result.errors().status()).isEqualTo(Map.of(418, 50L));
        assertThat(result.errors().summary()).isEqualTo("418 x50");
        assertThat(result.latency().count()).isZero();
    }

    @Test
    void open_mode_measures_latency_from_the_intended_send_time() throws Exception {
        // 100 req/s on one connection to a route that takes at least 200 ms: request k is due at
        // k x 10 ms but can only be sent when request k-1 is answered, at >= k x 200 ms. Measured from
        // its intended time, its latency is >= 200 + k x 190 ms; from its send time it would be ~200 ms.
        LoadResult result = run(new Load("/slow", target, "/slow?ms=200", 1, 100, 5, Duration.ofSeconds(10)), GUARD);

        assertThat(result.completed()).isEqualTo(5);
        assertThat(result.model()).isEqualTo("open");
        assertThat(result.latency().distribution().getFirst()[1]).isGreaterThanOrEqualTo(200);
        assertThat(result.latency().max()).isGreaterThanOrEqualTo(200 + 4 * 190);
    }

    @Test
    void a_request_still_out_at_the_deadline_counts_as_unfinished_never_as_done() throws Exception {
        LoadResult result = run(new Load("/hold", target, "/hold", 2, 0, 2, Duration.ofSeconds(30)),
                Duration.ofMillis(300));

        assertThat(result.completed()).isZero();
        assertThat(result.perSecond()).isZero();
        assertThat(result.unfinished()).isEqualTo(2);
        assertThat(result.latency().count()).as("closed mode: counted, not in the latencies, as wrk").isZero();
    }

    @Test
    void in_open_mode_requests_due_but_unanswered_at_the_deadline_enter_the_latencies_with_their_wait() throws Exception {
        // 10 req/s on one connection to a route that never answers within the step: the request due
        // at 0 ms is sent and hangs; those due at 100 and 200 ms find no free connection and are never
        // sent. All three waited from their intended time to the deadline, 1 s after the start.
        LoadResult result = run(new Load("/hold", target, "/hold", 1, 10, 3, Duration.ofSeconds(30)),
                Duration.ofSeconds(1));

        assertThat(result.completed()).isZero();
        assertThat(result.unfinished()).isEqualTo(3);
        assertThat(result.latency().count()).isEqualTo(3);
        assertThat(result.latency().max()).isBetween(999.0, 1002.0); // deadline - start, computed from the schedule
        assertThat(result.latency().distribution().getFirst()[1]).isBetween(799.0, 802.0); // deadline - 200 ms
    }

    @Test
    void a_request_unanswered_past_the_timeout_counts_as_a_timeout_and_the_connection_is_replaced() throws Exception {
        LoadResult result = run(new Load("/hold", target, "/hold", 1, 0, 3, Duration.ofMillis(100)), GUARD);

        assertThat(result.errors().timeout()).isEqualTo(3);
        assertThat(result.completed()).isZero();
        assertThat(result.latency().count()).isEqualTo(3);
        assertThat(result.latency().distribution().getFirst()[1]).isGreaterThanOrEqualTo(100);
    }

    @Test
    void a_server_that_closes_after_each_answer_is_reconnected_as_http_1_0_servers_need() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> serveHttp10(server, connections));
            Target http10 = Target.parse("http10", "http://127.0.0.1:" + server.getLocalPort(), false);

            LoadResult result = run(new Load("/", http10, "/", 2, 0, 20, Duration.ofSeconds(10)), GUARD);

            assertThat(result.completed()).isEqualTo(20);
            assertThat(result.errors().total()).isZero();
            assertThat(connections.get()).isGreaterThanOrEqualTo(20);
        }
    }

    /** A Werkzeug-like HTTP/1.0 server: one answer per connection, then close. */
    private static void serveHttp10(ServerSocket server, AtomicInteger connections) {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                connections.incrementAndGet();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    // request line and headers
                }
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // the test closed the server socket
            }
        }
    }
}
