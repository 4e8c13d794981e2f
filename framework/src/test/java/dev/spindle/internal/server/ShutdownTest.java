package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.http.WebSocketHandler;
import dev.spindle.http.WebSocketSession;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import dev.spindle.testing.WebSocketCollector;
import dev.spindle.threading.ThreadingMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** stop() lets in-flight requests finish and answers newcomers with 503. */
class ShutdownTest {

    @Test
    void in_flight_request_completes_and_a_request_during_shutdown_gets_503() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ofSeconds(30))
                .staticResources("/assets", "public"));
        app.get("/slow", ctx -> {
            entered.countDown();
            release.await();
            return "finished";
        });
        app.get("/fast", ctx -> "fast");
        app.start(0);
        CompletableFuture<Void> stopping = null;
        try (RawHttp slow = RawHttp.connect(app.port()); RawHttp kept = RawHttp.connect(app.port());
             RawHttp keptForFiles = RawHttp.connect(app.port())) {
            assertThat(kept.get("/fast").status()).isEqualTo(200); // the connection is open and kept alive
            assertThat(keptForFiles.get("/assets/app.js").status()).isEqualTo(200);
            slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

            stopping = CompletableFuture.runAsync(app::stop);
            var during = new AtomicReference<RawHttp.Response>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                var response = kept.get("/fast");
                during.set(response);
                return response.status() != 200;
            });
            assertThat(during.get().status()).isEqualTo(503);
            assertThat(during.get().header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(during.get().header("Retry-After")).isNotNull();
            assertThat(keptForFiles.get("/assets/app.js").status()).isEqualTo(503);
            assertThat(stopping).isNotDone();

            release.countDown();
            var finished = slow.read();
            assertThat(finished.status()).isEqualTo(200);
            assertThat(finished.text()).isEqualTo("finished");
            stopping.get(20, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            app.stop();
        }
    }

    @Test
    void stop_returns_after_the_grace_period_and_interrupts_what_is_left() throws Exception {
        var entered = new CountDownLatch(1);
        var interrupted = new CountDownLatch(1);
        var never = new CountDownLatch(1);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ZERO));
        app.get("/stuck", ctx -> {
            entered.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "unreachable";
        });
        app.start(0);
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            app.stop();
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(http.readOrClosed()).satisfiesAnyOf(
                    response -> assertThat(response).isNull(),
                    response -> assertThat(response.status()).isGreaterThanOrEqualTo(500));
        } finally {
            app.stop();
        }
    }

    static Stream<ThreadingMode> boundedToOneThread() {
        return Stream.of(ThreadingMode.singleThreaded(), ThreadingMode.workerPool(1, 10),
                ThreadingMode.threadPerRequest(1), ThreadingMode.virtualThreads(1));
    }

    @ParameterizedTest
    @MethodSource("boundedToOneThread")
    void stop_answers_requests_still_queued_with_503_at_once_and_lets_the_started_one_finish(ThreadingMode mode)
            throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var ran = new java.util.concurrent.atomic.AtomicInteger();
        var app = Spindle.create(config -> config.threading(mode).shutdownGrace(Duration.ofSeconds(30)));
        app.get("/slow", ctx -> {
            ran.incrementAndGet();
            entered.countDown();
            release.await();
            return "finished";
        });
        app.start(0);
        CompletableFuture<Void> stopping = null;
        List<RawHttp> queued = new ArrayList<>();
        try (RawHttp started = RawHttp.connect(app.port())) {
            started.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 4; i++) {
                RawHttp waiting = RawHttp.connect(app.port());
                queued.add(waiting);
                waiting.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            await().until(() -> app.dispatchers().getFirst().queued() == 4);

            stopping = CompletableFuture.runAsync(app::stop);
            for (RawHttp waiting : queued) {
                RawHttp.Response refused = waiting.read(); // while the started request still holds its thread
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Retry-After")).isNotNull();
                assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            }
            assertThat(stopping).isNotDone();
            release.countDown();
            var finished = started.read();
            assertThat(finished.status()).isEqualTo(200);
            assertThat(finished.text()).isEqualTo("finished");
            stopping.get(20, TimeUnit.SECONDS);
            assertThat(ran).hasValue(1);
        } finally {
            release.countDown();
            for (RawHttp waiting : queued) {
                waiting.close();
            }
            app.stop();
        }
    }

    @Test
    void a_static_file_being_sent_when_stop_begins_is_sent_whole_before_stop_returns(@TempDir Path files)
            throws Exception {
        // Far more than the socket buffers of both ends hold, so the file is still being sent when stop() begins.
        byte[] content = new byte[48 << 20];
        new Random(7).nextBytes(content);
        Files.write(files.resolve("big.bin"), content);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ofMinutes(10)).staticFiles("/files", files));
        app.get("/fast", ctx -> "fast");
        int port = app.start(0).port();
        CompletableFuture<Void> stopping = null;
        try (Socket download = new Socket("127.0.0.1", port); RawHttp kept = RawHttp.connect(port)) {
            download.setSoTimeout((int) SpindleTest.HANG_GUARD.toMillis());
            assertThat(kept.get("/fast").status()).isEqualTo(200);
            download.getOutputStream().write("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = download.getInputStream();
            String head = head(in);
            assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + content.length);

            stopping = CompletableFuture.runAsync(app::stop);
            await().atMost(Duration.ofSeconds(20)).until(() -> kept.get("/fast").status() == 503);
            assertThat(stopping).as("stop() waits for the file being sent").isNotDone();
            byte[] body = in.readNBytes(content.length);
            assertThat(body.length).as("bytes of the file received").isEqualTo(content.length);
            assertThat(Arrays.equals(body, content)).as("the file arrived intact").isTrue();
            stopping.get(60, TimeUnit.SECONDS);
        } finally {
            app.stop();
        }
    }

    @Test
    void an_open_websocket_is_closed_with_1001_and_stop_returns_once_it_has_closed() throws Exception {
        var closedOnServer = new CountDownLatch(1);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ofMinutes(10)));
        app.ws("/ws", new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                session.send("hello");
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                closedOnServer.countDown();
            }
        });
        int port = app.start(0).port();
        try (var client = new SpindleTest.Client(port)) {
            WebSocketCollector socket = new WebSocketCollector();
            client.http().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), socket)
                    .get(10, TimeUnit.SECONDS);
            assertThat(socket.messages.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");

            app.stop(); // with a grace period of ten minutes: returns once the client has answered the close
            assertThat(closedOnServer.getCount()).as("the session ended before stop() returned").isZero();
            assertThat(socket.closed.get(10, TimeUnit.SECONDS)).as("going away").isEqualTo(1001);
        } finally {
            app.stop();
        }
    }

    /** Reads a response head, up to and including the blank line, leaving the body unread. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("The connection closed inside the response head");
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
