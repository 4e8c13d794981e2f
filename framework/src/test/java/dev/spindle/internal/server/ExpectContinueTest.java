package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import dev.spindle.threading.ThreadingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that asks {@code Expect: 100-continue} before an upload hears a refusal decided from the
 * request line and headers instead of {@code 100 Continue}, and the connection is closed so the
 * server never drains the body it did not want. Raw sockets: the client sends only the headers.
 */
class ExpectContinueTest {

    private Spindle app;

    @BeforeEach
    void start() {
        app = Spindle.create();
        app.post("/upload", ctx -> ctx.body().length() + " bytes");
        app.start(0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    @ParameterizedTest
    @CsvSource({"POST /nowhere, 404", "PUT /upload, 405"})
    void a_request_no_route_takes_is_refused_without_100_continue_and_closed(String requestLine, int status)
            throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send(requestLine + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            RawHttp.Response refused = http.read();
            assertThat(refused.status()).isEqualTo(status);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void a_request_a_route_takes_hears_100_continue() throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                    + "Expect: 100-continue\r\n\r\n");
            assertThat(http.readHead().status()).isEqualTo(100);
            http.send("hello");
            RawHttp.Response answer = http.read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("5 bytes");
        }
    }

    /** Every mode that can be full: one thread busy and no room in the queue. */
    static List<ThreadingMode> fullModes() {
        return List.of(ThreadingMode.singleThreaded(0), ThreadingMode.workerPool(1, 0),
                new ThreadingMode.ThreadPerRequest(1, 0), new ThreadingMode.VirtualThreads(1, 0));
    }

    @ParameterizedTest
    @MethodSource("fullModes")
    void a_full_dispatcher_refuses_an_upload_without_100_continue_and_closes(ThreadingMode mode) throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Spindle full = Spindle.create(config -> config.threading(mode));
        full.get("/hold", ctx -> {
            entered.countDown();
            release.await();
            return "held";
        });
        full.post("/upload", ctx -> ctx.body().length() + " bytes");
        full.post("/stream", ctx -> ctx.bodyStream().readAllBytes().length + " bytes", route -> route.streamingBody(1 << 20));
        full.start(0);
        try (HttpClient client = HttpClient.newHttpClient()) {
            CompletableFuture<HttpResponse<String>> held = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + full.port() + "/hold")).build(),
                    HttpResponse.BodyHandlers.ofString());
            entered.await();
            for (String path : List.of("/upload", "/stream")) {
                try (RawHttp http = RawHttp.connect(full.port())) {
                    http.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
                    RawHttp.Response refused = http.read();
                    assertThat(refused.status()).as(path).isEqualTo(503);
                    assertThat(refused.header("Retry-After")).as(path).isEqualTo("1");
                    assertThat(refused.text()).as(path).contains("busy");
                    assertThat(http.closedByServer()).as(path).isTrue();
                }
            }
            release.countDown();
            assertThat(held.get().body()).isEqualTo("held");
            try (RawHttp http = RawHttp.connect(full.port())) {
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                        + "Expect: 100-continue\r\n\r\n");
                assertThat(http.readHead().status()).isEqualTo(100);
                http.send("hello");
                assertThat(http.read().text()).isEqualTo("5 bytes");
            }
        } finally {
            release.countDown();
            full.stop();
        }
    }
}
