package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.event;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.post;
import static dev.spindle.jobs.JobTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.json.JsonMapper;
import dev.spindle.testing.WebSocketCollector;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class JobStreamsTest {

    private final HttpClient http = client();

    /** The next whole message of {@code socket}, as JSON; fails the test if none comes. */
    static JsonPath next(WebSocketCollector socket) throws InterruptedException {
        String message = socket.messages.poll(10, TimeUnit.SECONDS);
        assertThat(message).as("a WebSocket message").isNotNull();
        return JsonPath.from(message);
    }

    private WebSocketCollector connect(Spindle app, String path) throws Exception {
        WebSocketCollector collector = new WebSocketCollector();
        http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + app.port() + path), collector)
                .get(10, TimeUnit.SECONDS);
        return collector;
    }

    @Test
    void websocket_streams_progress_then_the_result_then_closes_normally() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            WebSocketCollector socket = connect(app, "/jobs/" + id + "/events");
            JsonPath current = next(socket);
            assertThat(current.getString("type")).isEqualTo("progress");
            assertThat(current.getString("state")).isEqualTo("RUNNING");
            assertThat(current.getInt("percent")).isEqualTo(10);

            gate.release.countDown();
            JsonPath almost = next(socket);
            assertThat(almost.getString("type")).isEqualTo("progress");
            assertThat(almost.getInt("percent")).isEqualTo(90);
            JsonPath result = next(socket);
            assertThat(result.getString("type")).isEqualTo("result");
            assertThat(result.getString("job.state")).isEqualTo("SUCCEEDED");
            assertThat(result.getInt("job.result.answer")).isEqualTo(42);
            assertThat(socket.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void websocket_to_a_finished_job_gets_the_final_message_at_once() throws Exception {
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            JobTesting.get(http, app, "/jobs/" + id + "?wait=30s");
            WebSocketCollector socket = connect(app, "/jobs/" + id + "/events");
            JsonPath result = next(socket);
            assertThat(result.getString("type")).isEqualTo("result");
            assertThat(socket.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(socket.messages).isEmpty();
        } finally {
            app.stop();
        }
    }

    @Test
    void websocket_reports_a_cancelled_job_as_an_error_and_an_unknown_one_with_4404() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            WebSocketCollector socket = connect(app, "/jobs/" + id + "/events");
            assertThat(next(socket).getString("type")).isEqualTo("progress");
            JobTesting.delete(http, app, "/jobs/" + id);
            JsonPath error = next(socket);
            assertThat(error.getString("type")).isEqualTo("error");
            assertThat(error.getString("job.state")).isEqualTo("CANCELLED");
            assertThat(socket.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);

            WebSocketCollector unknown = connect(app, "/jobs/nope/events");
            assertThat(next(unknown).getInt("status")).isEqualTo(404);
            assertThat(unknown.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4404);
        } finally {
            app.stop();
        }
    }

    @Test
    void stopping_the_app_sends_a_websocket_the_job_as_it_stands_then_closes_it_with_1001() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> config.shutdownGrace(Duration.ofMinutes(10)),
                jobs -> jobs.drainTimeout(Duration.ZERO));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            WebSocketCollector socket = connect(app, "/jobs/" + id + "/events");
            assertThat(next(socket).getString("type")).isEqualTo("progress");

            app.stop(); // with a grace period of ten minutes: returns once the socket has closed
            JsonPath last = next(socket);
            assertThat(last.getString("type")).isEqualTo("stopping");
            assertThat(last.getString("job.state")).as("the job as it stands").isEqualTo("RUNNING");
            assertThat(last.getInt("job.progress.percent")).isEqualTo(10);
            assertThat(socket.closed.get(10, TimeUnit.SECONDS)).as("going away").isEqualTo(1001);
            assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).as("then the jobs' stop policy").isTrue();
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void server_sent_events_stream_the_same_messages_line_by_line() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            HttpResponse<Stream<String>> response = http.send(request(app, "/jobs/" + id + "/events")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
            Iterator<String> lines = response.body().iterator();
            Map<String, String> first = event(lines);
            assertThat(first).containsEntry("event", "progress");
            assertThat(JsonPath.from(first.get("data")).getInt("percent")).isEqualTo(10);

            gate.release.countDown();
            Map<String, String> second = event(lines);
            assertThat(second).containsEntry("event", "progress");
            assertThat(JsonPath.from(second.get("data")).getInt("percent")).isEqualTo(90);
            Map<String, String> last = event(lines);
            assertThat(last).containsEntry("event", "result");
            assertThat(JsonPath.from(last.get("data")).getString("job.state")).isEqualTo("SUCCEEDED");
            assertThat(lines.hasNext()).as("the stream ends after the result").isFalse();
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    private HttpResponse<Stream<String>> events(Spindle app, String id, String lastEventId) throws Exception {
        var builder = request(app, "/jobs/" + id + "/events").header("Accept", "text/event-stream");
        if (lastEventId != null) {
            builder.header("Last-Event-ID", lastEventId);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofLines());
    }

    @Test
    void event_ids_are_job_versions_and_a_reconnect_resumes_after_its_last_event_id() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            Stream<String> first = events(app, id, null).body();
            Map<String, String> current = event(first.iterator());
            assertThat(JsonPath.from(current.get("data")).getInt("percent")).isEqualTo(10);
            String seen = current.get("id");
            assertThat(seen).isNotBlank();
            await().atMost(Duration.ofSeconds(30)).until(() -> JobTesting.jobs(app).followers(id) == 1);

            // The same client comes back on a new connection (the first is still open: the server
            // would notice it gone only when a write fails).
            HttpResponse<Stream<String>> again = events(app, id, seen);
            Iterator<String> lines = again.body().iterator();
            await().atMost(Duration.ofSeconds(30)).until(() -> JobTesting.jobs(app).followers(id) == 2);
            gate.release.countDown();
            Map<String, String> next = event(lines);
            assertThat(JsonPath.from(next.get("data")).getInt("percent")).as("the snapshot it had is not sent again")
                    .isEqualTo(90);
            assertThat(Long.parseLong(next.get("id"))).isGreaterThan(Long.parseLong(seen));
            Map<String, String> last = event(lines);
            assertThat(last).containsEntry("event", "result");
            assertThat(lines.hasNext()).isFalse();

            HttpResponse<Stream<String>> missed = events(app, id, seen);
            Iterator<String> replay = missed.body().iterator();
            assertThat(event(replay)).as("a client that missed the end gets it").containsEntry("event", "result")
                    .containsEntry("id", last.get("id"));
            assertThat(replay.hasNext()).isFalse();

            HttpResponse<Stream<String>> done = events(app, id, last.get("id"));
            assertThat(done.statusCode()).as("204 stops an EventSource from reconnecting").isEqualTo(204);
            first.close();
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void a_stream_past_the_most_followers_of_a_job_is_503() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { }, jobs -> jobs.maxSubscribers(1));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            try (Stream<String> following = events(app, id, null).body()) {
                assertThat(event(following.iterator())).containsEntry("event", "progress");
                HttpResponse<Stream<String>> refused = events(app, id, null);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            }
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void each_change_is_serialised_once_however_many_clients_follow_it() throws Exception {
        var gate = new JobTesting.Gate();
        var progressWrites = new AtomicInteger();
        JsonMapper jackson = JsonMapper.jackson();
        JsonMapper counting = new JsonMapper() {
            @Override
            public byte[] write(Object value) {
                if (value instanceof Map<?, ?> map && "progress".equals(map.get("type"))) {
                    progressWrites.incrementAndGet();
                }
                return jackson.write(value);
            }

            @Override
            public <T> T read(byte[] json, Class<T> type) {
                return jackson.read(json, type);
            }
        };
        Spindle app = JobTesting.app(gate, config -> { }, jobs -> jobs.json(counting));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            List<Iterator<String>> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Iterator<String> lines = events(app, id, null).body().iterator();
                assertThat(JsonPath.from(event(lines).get("data")).getInt("percent")).isEqualTo(10);
                clients.add(lines);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> JobTesting.jobs(app).followers(id) == 3);
            int beforeChange = progressWrites.get();
            gate.release.countDown();
            for (Iterator<String> lines : clients) {
                assertThat(JsonPath.from(event(lines).get("data")).getInt("percent")).isEqualTo(90);
                assertThat(event(lines)).containsEntry("event", "result");
            }
            assertThat(progressWrites.get() - beforeChange).as("the 90 % change, once for three clients").isEqualTo(1);
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void events_without_websocket_or_event_stream_answer_406_and_unknown_ids_404() throws Exception {
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            assertThat(JobTesting.get(http, app, "/jobs/" + id + "/events").statusCode()).isEqualTo(406);
            HttpResponse<String> unknown = http.send(request(app, "/jobs/nope/events")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
        } finally {
            app.stop();
        }
    }
}
