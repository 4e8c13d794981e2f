package dev.spindle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.http.Context;
import dev.spindle.http.Handler;
import dev.spindle.http.HttpException;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.http.WebSocketSession;
import dev.spindle.jobs.Jobs;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import dev.spindle.testing.WebSocketCollector;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hooks guard WebSocket upgrades and event streams as they guard every other route: an auth hook
 * that refuses a request refuses the upgrade (no socket is opened) and the stream, over real sockets.
 */
class StreamHooksTest {

    private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    /** Flask's usual login_required, as a before hook: a bearer token, or 401. */
    private static final Handler TOKEN_REQUIRED = ctx -> {
        if (!"Bearer secret".equals(ctx.header("Authorization"))) {
            throw new HttpException(401, "A bearer token is required", Map.of("WWW-Authenticate", "Bearer"));
        }
        return null;
    };

    /** Counts opened connections and greets each one. */
    private static WebSocketHandler greeter(AtomicInteger opened, String greeting) {
        return session -> {
            opened.incrementAndGet();
            session.send(greeting);
        };
    }

    /** Not the test client: that one waits for open WebSockets when closed, and closes before the app stops. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(SpindleTest.HANG_GUARD).build();
    private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeSockets() {
        sockets.forEach(WebSocket::abort);
        http.close();
    }

    @Test
    void an_auth_hook_refuses_a_websocket_upgrade_without_a_token_and_no_socket_is_opened() throws Exception {
        var opened = new AtomicInteger();
        var app = Spindle.create();
        app.before(TOKEN_REQUIRED);
        app.ws("/chat", greeter(opened, "hello"));
        SpindleTest.test(app, client -> {
            try (RawHttp raw = client.raw()) {
                raw.send("GET /chat HTTP/1.1\r\nHost: localhost\r\n" + UPGRADE + "\r\n");
                RawHttp.Response refused = raw.read();
                assertThat(refused.status()).isEqualTo(401);
                assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(refused.text()).contains("\"detail\":\"A bearer token is required\"");
                assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer");
                assertThat(refused.header("Upgrade")).isNull();
            }
            WebSocketCollector accepted = connect(client, "/chat", "Bearer secret");
            assertThat(accepted.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
            assertThat(opened).hasValue(1);
        });
    }

    @Test
    void hooks_run_on_the_apps_threads_after_hooks_add_headers_to_the_101_and_the_upgrade_is_metered()
            throws Exception {
        var registry = new SimpleMeterRegistry();
        List<String> calls = new CopyOnWriteArrayList<>();
        var app = Spindle.create(config -> config.threading(ThreadingMode.virtualThreads()).meterRegistry(registry));
        app.before(ctx -> {
            calls.add("before " + ctx.pathParam("room") + " on a virtual thread: " + Thread.currentThread().isVirtual());
            return null;
        });
        app.after(ctx -> ctx.header("X-Room", ctx.pathParam("room")));
        app.teardown((ctx, error) -> calls.add("teardown " + ctx.status()));
        app.ws("/rooms/{room}", new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                calls.add("open");
                session.send("joined " + session.pathParam("room"));
            }
        });
        SpindleTest.test(app, client -> {
            try (Socket socket = new Socket("127.0.0.1", client.port())) {
                socket.setSoTimeout((int) SpindleTest.HANG_GUARD.toMillis());
                socket.getOutputStream().write(("GET /rooms/blue HTTP/1.1\r\nHost: localhost\r\n" + UPGRADE + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                String head = readHead(socket.getInputStream());
                assertThat(head).startsWith("HTTP/1.1 101 ").containsIgnoringCase("\r\nUpgrade: websocket")
                        .contains("\r\nX-Room: blue").containsIgnoringCase("\r\nX-Request-Id: ");
                assertThat(readTextFrame(socket.getInputStream())).isEqualTo("joined blue");
            }
            assertThat(calls).containsExactly("before blue on a virtual thread: true", "teardown 101", "open");
            await().until(() -> registry.find("http.server.requests").tags("uri", "/rooms/{room}").timer() != null);
            Timer upgrades = registry.get("http.server.requests").tags("uri", "/rooms/{room}", "method", "GET").timer();
            assertThat(upgrades.getId().getTag("status")).isEqualTo("101");
            assertThat(upgrades.count()).isEqualTo(1);
        });
    }

    @Test
    void an_accepted_upgrade_without_a_websocket_key_answers_400_and_opens_no_socket() throws Exception {
        var opened = new AtomicInteger();
        var app = Spindle.create();
        app.ws("/chat", greeter(opened, "hello"));
        SpindleTest.test(app, client -> {
            try (RawHttp raw = client.raw()) {
                raw.send("GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "X-Request-Id: no-key\r\n\r\n");
                RawHttp.Response refused = raw.read();
                assertThat(refused.status()).isEqualTo(400);
                assertThat(refused.header("X-Request-Id")).isEqualTo("no-key");
                assertThat(refused.header("Upgrade")).isNull();
                assertThat(raw.closedByServer()).isTrue();
            }
            assertThat(opened).hasValue(0);
        });
    }

    @Test
    void a_group_hook_guards_its_websocket_route_and_not_the_apps_others() throws Exception {
        var opened = new AtomicInteger();
        var app = Spindle.create();
        app.group("/admin", admin -> admin
                .before(TOKEN_REQUIRED)
                .ws("/feed", greeter(opened, "admin feed")));
        app.ws("/feed", greeter(opened, "public feed"));
        app.get("/status", ctx -> "up");
        SpindleTest.test(app, client -> {
            assertThat(refusal(client, "/admin/feed")).isEqualTo(401);

            WebSocketCollector open = connect(client, "/feed", null);
            assertThat(open.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("public feed");
            assertThat(client.get("/status").body()).isEqualTo("up");

            WebSocketCollector admin = connect(client, "/admin/feed", "Bearer secret");
            assertThat(admin.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("admin feed");
            assertThat(opened).hasValue(2);
        });
    }

    @Test
    void the_jobs_websocket_runs_the_apps_before_hooks() throws Exception {
        var app = Spindle.create();
        app.before(TOKEN_REQUIRED);
        Jobs.install(app, settings -> { });
        SpindleTest.test(app, client -> {
            assertThat(refusal(client, "/jobs/no-such-job/events")).isEqualTo(401);

            WebSocketCollector authorized = connect(client, "/jobs/no-such-job/events", "Bearer secret");
            assertThat(authorized.closed.get(10, TimeUnit.SECONDS)).isEqualTo(4404);
        });
    }

    @Test
    void an_event_stream_stays_guarded_by_a_before_hook() throws Exception {
        var streamed = new AtomicInteger();
        var app = Spindle.create();
        app.before(TOKEN_REQUIRED);
        app.get("/ticks", (Context ctx) -> {
            streamed.incrementAndGet();
            ctx.eventStream(sink -> {
                sink.send("tick", "1");
                sink.close();
            });
            return null;
        });
        SpindleTest.test(app, client -> {
            HttpResponse<String> refused = client.http().send(client.request("/ticks")
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(streamed).hasValue(0);

            HttpResponse<Stream<String>> accepted = client.http().send(client.request("/ticks")
                    .header("Accept", "text/event-stream").header("Authorization", "Bearer secret").build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(accepted.statusCode()).isEqualTo(200);
            assertThat(accepted.body().filter(line -> !line.isEmpty() && !line.startsWith(":")).toList())
                    .containsExactly("event:tick", "data:1");
            assertThat(streamed).hasValue(1);
        });
    }

    /** Opens a WebSocket, with an {@code Authorization} header unless {@code authorization} is null. */
    private WebSocketCollector connect(SpindleTest.Client client, String path, String authorization) throws Exception {
        WebSocketCollector collector = new WebSocketCollector();
        sockets.add(handshake(client, path, authorization, collector).get(10, TimeUnit.SECONDS));
        return collector;
    }

    /** The status with which the server refused to open a WebSocket at {@code path}. */
    private int refusal(SpindleTest.Client client, String path) throws Exception {
        try {
            sockets.add(handshake(client, path, null, new WebSocketCollector()).get(10, TimeUnit.SECONDS));
        } catch (ExecutionException refused) {
            assertThat(refused.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) refused.getCause()).getResponse().statusCode();
        }
        throw new AssertionError("The server opened a WebSocket at " + path);
    }

    private CompletableFuture<WebSocket> handshake(SpindleTest.Client client, String path, String authorization,
                                                   WebSocketCollector collector) {
        WebSocket.Builder builder = http.newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.buildAsync(URI.create("ws://127.0.0.1:" + client.port() + path), collector);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("Connection closed in the response head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Reads one unmasked server text frame of under 126 bytes, as a greeting is. */
    private static String readTextFrame(InputStream in) throws IOException {
        int opcode = in.read() & 0x0F;
        int length = in.read() & 0x7F;
        assertThat(opcode).as("a text frame").isEqualTo(1);
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

}
