package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.post;
import static dev.spindle.jobs.JobTesting.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.WebSocketCollector;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

    /** The fields of the next event, read as the SSE spec says: {@code name:value}, one optional space after the colon. */
    private static Map<String, String> event(Iterator<String> lines) {
        Map<String, String> event = new LinkedHashMap<>();
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (!event.isEmpty()) {
                    return event;
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1);
                event.merge(line.substring(0, colon), value.startsWith(" ") ? value.substring(1) : value,
                        (a, b) -> a + "\n" + b);
            }
        }
        assertThat(event).as("an event before the stream ended").isNotEmpty();
        return event;
    }
}
