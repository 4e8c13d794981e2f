package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.event;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.AppThreads;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.WebSocketCollector;
import dev.spindle.threading.ThreadingMode;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The order of {@code app.stop()}, in each threading mode: what waits for an event (a long poll, job
 * and app event streams, a WebSocket) is answered at once, queued and new requests get 503, started
 * handlers finish, and stop returns as soon as the last of them ends — with a grace period of ten
 * minutes, so a test that completes proves it did not wait the grace period out.
 */
class StopOrderTest {

    private static final Duration FOREVER = Duration.ofMinutes(10);
    private static final int QUEUED = 3;

    /**
     * One client per stream: a JDK client whose response body, read as lines, holds data nobody has
     * read yet may hold up its other exchanges (seen here: a long poll's answer, sent, not delivered),
     * so each stream, and the WebSocket, gets a client of its own.
     */
    private final List<HttpClient> clients = new ArrayList<>();

    private HttpClient http() {
        HttpClient http = client();
        clients.add(http);
        return http;
    }

    /** Each mode, bounded so that requests queue once its threads are busy. */
    static Stream<ThreadingMode> modes() {
        return Stream.of(ThreadingMode.singleThreaded(), ThreadingMode.threadPerRequest(2),
                ThreadingMode.virtualThreads(2), ThreadingMode.workerPool(2, 10));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void stop_answers_what_waits_at_once_lets_started_handlers_finish_and_returns_when_the_last_one_ends(
            ThreadingMode mode) throws Exception {
        AppThreads before = AppThreads.snapshot();
        var gate = new JobTesting.Gate();
        var release = new CountDownLatch(1);
        Spindle app = Spindle.create(config -> config.threading(mode).shutdownGrace(FOREVER));
        Jobs jobs = Jobs.install(app, settings -> settings.maxWait(FOREVER).drainTimeout(Duration.ZERO));
        int threads = app.threadingMode() instanceof ThreadingMode.SingleThreaded ? 1 : 2;
        var entered = new CountDownLatch(threads);
        app.post("/work", ctx -> jobs.start(ctx, "test", gate.work()));
        app.get("/slow", ctx -> {
            entered.countDown();
            release.await();
            return "finished " + ctx.queryParam("n");
        });
        // A started handler that submits a job after stop() began: it still gets its 202.
        app.post("/later", ctx -> {
            entered.countDown();
            release.await();
            return jobs.start(ctx, "later", job -> "done");
        });
        app.get("/ticks", ctx -> {
            ctx.eventStream(sink -> sink.send("tick", "0"));
            return null;
        });
        app.ws("/ws", session -> session.send("hello"));
        int port = app.start(0).port();

        List<RawHttp> connections = new ArrayList<>();
        CompletableFuture<Void> stopping = null;
        try {
            String id = json(JobTesting.post(http(), app, "/work")).getString("id");
            gate.awaitStarted();
            RawHttp longPoll = connect(app, connections, "GET /jobs/" + id + "?wait=10m HTTP/1.1\r\nHost: x\r\n\r\n");
            await().until(() -> jobs.waiting() == 1);
            Iterator<String> jobStream = http().send(request(app, "/jobs/" + id + "/events")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines()).body().iterator();
            assertThat(event(jobStream)).containsEntry("event", "progress");
            Iterator<String> ticks = http().send(request(app, "/ticks").header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofLines()).body().iterator();
            assertThat(event(ticks)).containsEntry("event", "tick");
            WebSocketCollector socket = new WebSocketCollector();
            http().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + app.port() + "/ws"), socket)
                    .get(10, TimeUnit.SECONDS);
            assertThat(socket.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");

            List<RawHttp> started = new ArrayList<>();
            RawHttp later = connect(app, connections, "POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            started.add(later);
            for (int n = 1; n < threads; n++) {
                started.add(connect(app, connections, "GET /slow?n=" + n + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            List<RawHttp> queued = new ArrayList<>();
            for (int n = 0; n < QUEUED; n++) {
                queued.add(connect(app, connections, "GET /slow?n=queued HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            await().until(() -> app.dispatchers().getFirst().queued() == QUEUED);

            stopping = CompletableFuture.runAsync(app::stop);

            // While every started handler still holds its thread:
            for (RawHttp waiting : queued) {
                assertRefused(waiting.read());
            }
            try (RawHttp newcomer = RawHttp.connect(port)) {
                assertRefused(newcomer.get("/slow?n=new"));
            }
            RawHttp.Response answered = longPoll.read();
            assertThat(answered.status()).isEqualTo(200);
            assertThat(JsonPath.from(answered.text()).getString("state")).as("the job as it stands").isEqualTo("RUNNING");
            Map<String, String> last = event(jobStream);
            assertThat(last).containsEntry("event", "stopping");
            assertThat(JsonPath.from(last.get("data")).getString("job.state")).isEqualTo("RUNNING");
            assertThat(jobStream.hasNext()).as("the job stream ends after its last event").isFalse();
            assertThat(ticks.hasNext()).as("the app's event stream ends").isFalse();
            assertThat(socket.closed.get(30, TimeUnit.SECONDS)).as("going away").isEqualTo(1001);
            assertThat(stopping).as("stop() waits for the started handlers").isNotDone();

            release.countDown();
            RawHttp.Response submitted = later.read();
            assertThat(submitted.status()).as("a started handler submits a job during the drain").isEqualTo(202);
            for (int n = 1; n < threads; n++) {
                RawHttp.Response finished = started.get(n).read();
                assertThat(finished.status()).isEqualTo(200);
                assertThat(finished.text()).isEqualTo("finished " + n);
            }
            stopping.get(60, TimeUnit.SECONDS);

            assertThat(jobs.find(id).orElseThrow().state()).as("the jobs' own stop policy").isEqualTo(JobState.CANCELLED);
            assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            String laterId = JsonPath.from(submitted.text()).getString("id");
            assertThat(jobs.find(laterId).orElseThrow().state().isFinished()).isTrue();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertThat(AppThreads.startedSince(before)).as("threads of the stopped app").isEmpty());
        } finally {
            release.countDown();
            gate.release.countDown();
            for (RawHttp connection : connections) {
                connection.close();
            }
            clients.forEach(HttpClient::shutdownNow); // a stream left open by a failed assertion must not hold up this stop
            app.stop();
        }
    }

    private static RawHttp connect(Spindle app, List<RawHttp> connections, String request) throws Exception {
        RawHttp connection = RawHttp.connect(app.port());
        connections.add(connection);
        connection.send(request);
        return connection;
    }

    private static void assertRefused(RawHttp.Response response) {
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isNotNull();
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
    }
}
