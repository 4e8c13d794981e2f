package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.http.WebSocketSession;
import dev.spindle.testing.WebSocketCollector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The framework's WebSocket ({@code app.ws}) and server-sent events ({@code ctx.eventStream}) support
 * on its own, as any app would use it; the job events build on it.
 */
class StreamingSupportTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_websocket_route_echoes_sees_path_parameters_and_learns_of_the_close() throws Exception {
        CompletableFuture<Integer> serverSawClose = new CompletableFuture<>();
        var app = Spindle.create();
        app.get("/rooms/{room}", ctx -> "plain HTTP for " + ctx.pathParam("room"));
        app.ws("/rooms/{room}", new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                session.send("joined " + session.pathParam("room") + " as " + session.queryParam("name"));
            }

            @Override
            public void onText(WebSocketSession session, String text) {
                session.send("echo " + text);
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                serverSawClose.complete(code);
            }
        });
        app.start(0);
        try {
            var client = new WebSocketCollector();
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + app.port() + "/rooms/blue?name=ada"), client)
                    .get(10, TimeUnit.SECONDS);
            assertThat(client.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("joined blue as ada");
            socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
            assertThat(client.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello");

            HttpResponse<String> plain = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/rooms/blue")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.body()).isEqualTo("plain HTTP for blue");

            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            assertThat(serverSawClose.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        } finally {
            app.stop();
        }
    }

    @Test
    void a_group_serves_its_websocket_routes_under_its_prefix_with_the_converters_of_http_routes()
            throws Exception {
        var app = Spindle.create();
        app.group("/api", api -> api
                .get("/rooms/{n:int}", ctx -> "plain HTTP")
                .ws("/rooms/{n:int}", session -> session.send("number " + session.pathParam("n")))
                .ws("/rooms/{name}", session -> session.send("name " + session.pathParam("name"))));
        app.start(0);
        try {
            var numbered = new WebSocketCollector();
            http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + app.port() + "/api/rooms/7"), numbered)
                    .get(10, TimeUnit.SECONDS);
            assertThat(numbered.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("number 7");
            var named = new WebSocketCollector();
            http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + app.port() + "/api/rooms/blue"), named)
                    .get(10, TimeUnit.SECONDS);
            assertThat(named.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("name blue");
            HttpResponse<String> plain = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/api/rooms/7")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.body()).isEqualTo("plain HTTP");
        } finally {
            app.stop();
        }
    }

    @Test
    void two_websocket_routes_for_the_same_requests_are_refused_at_start_naming_both() {
        var app = Spindle.create();
        app.ws("/rooms/{room}", session -> session.close());
        app.group("/rooms", rooms -> rooms.ws("/{name}", session -> session.close()));
        assertThatThrownBy(() -> app.start(0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("WS /rooms/{room}")
                .hasMessageContaining("WS /rooms/{name}");
    }

    @Test
    void a_message_over_the_limit_closes_the_connection() throws Exception {
        var app = Spindle.create();
        app.ws("/echo", session -> session.send("ready"));
        app.start(0);
        try {
            var client = new WebSocketCollector();
            WebSocket socket = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + app.port() + "/echo"), client).get(10, TimeUnit.SECONDS);
            assertThat(client.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("ready");
            socket.sendText("x".repeat(128 * 1024), true);
            assertThat(client.closed.handle((code, error) -> true).get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            app.stop();
        }
    }

    @Test
    void an_event_stream_is_fed_from_another_thread_and_ends_when_closed() throws Exception {
        var app = Spindle.create();
        app.get("/ticks", ctx -> {
            ctx.eventStream(sink -> Thread.ofVirtual().start(() -> {
                for (int i = 1; i <= 3; i++) {
                    sink.send("tick", "{\"n\":" + i + "}");
                }
                sink.send("multi\nline");
                sink.close();
            }));
            return null;
        });
        app.start(0);
        try {
            HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/ticks")).build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
            assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-cache");
            List<String> lines = response.body().filter(line -> !line.isEmpty() && !line.startsWith(":")).toList();
            assertThat(lines).containsExactly("event:tick", "data:{\"n\":1}", "event:tick", "data:{\"n\":2}",
                    "event:tick", "data:{\"n\":3}", "data:multi", "data:line");
        } finally {
            app.stop();
        }
    }
}
