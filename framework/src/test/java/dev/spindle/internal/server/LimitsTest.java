package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.spindle.Limits;
import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Bad or oversized input gets a clear answer or a closed connection, never a hang. */
class LimitsTest {

    private static final int LIMIT = 1024;

    private final AtomicInteger handlerRuns = new AtomicInteger();

    private Spindle appWithLimit() {
        var app = Spindle.create(config -> config.maxBodySize(LIMIT));
        app.post("/upload", ctx -> {
            handlerRuns.incrementAndGet();
            return ctx.bodyBytes().length;
        });
        app.get("/ping", ctx -> "pong");
        return app;
    }

    @Test
    void a_body_up_to_the_limit_is_accepted() throws Exception {
        SpindleTest.test(appWithLimit(), client -> client.spec().body(new byte[LIMIT]).post("/upload").then()
                .statusCode(200).body(equalTo(String.valueOf(LIMIT))));
    }

    @Test
    void declared_content_length_over_the_limit_is_413_before_the_body_is_sent() throws Exception {
        SpindleTest.test(appWithLimit(), client -> {
            try (RawHttp http = client.raw()) {
                // Only the headers: a server that waited for the 10 MB body would never answer.
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 10485760\r\nX-Request-Id: big-1\r\n\r\n");
                var response = http.read();
                assertThat(response.status()).isEqualTo(413);
                assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
                assertThat(response.text()).contains("\"status\":413").contains("1024").contains("big-1");
                assertThat(http.closedByServer()).isTrue();
            }
            assertThat(handlerRuns).hasValue(0);
        });
    }

    @Test
    void chunked_body_over_the_limit_is_413_without_hanging() throws Exception {
        SpindleTest.test(appWithLimit(), client -> {
            try (RawHttp http = client.raw()) {
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                String chunk = "x".repeat(512);
                // 1.5 KiB arrives and the body never ends: the server must answer from what it has.
                for (int i = 0; i < 3; i++) {
                    http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
                }
                var response = http.readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isEqualTo(413);
                    assertThat(response.text()).contains("\"status\":413");
                }
                assertThat(http.closedByServer()).isTrue();
            }
            assertThat(handlerRuns).hasValue(0);
        });
    }

    @Test
    void chunked_body_within_the_limit_is_received_whole() throws Exception {
        SpindleTest.test(appWithLimit(), client -> {
            try (RawHttp http = client.raw()) {
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "100\r\n" + "y".repeat(256) + "\r\n" + "100\r\n" + "y".repeat(256) + "\r\n0\r\n\r\n");
                var response = http.read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.text()).isEqualTo("512");
            }
        });
    }

    @Test
    void too_many_headers_are_answered_or_closed_never_hung() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(20, 64 * 1024, 100, 10,
                Duration.ofSeconds(30), Duration.ofSeconds(60))));
        app.get("/ping", ctx -> "pong");
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                StringBuilder request = new StringBuilder("GET /ping HTTP/1.1\r\nHost: x\r\n");
                for (int i = 0; i < 50; i++) {
                    request.append("X-H").append(i).append(": v\r\n");
                }
                http.send(request.append("\r\n").toString());
                var response = http.readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                }
            }
            client.spec().get("/ping").then().statusCode(200);
        });
    }

    @Test
    void a_header_block_over_the_size_limit_is_answered_or_closed_never_hung() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(100, 4 * 1024, 100, 10,
                Duration.ofSeconds(30), Duration.ofSeconds(60))));
        app.get("/ping", ctx -> "pong");
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                http.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(16 * 1024) + "\r\n\r\n");
                var response = http.readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                }
            }
            client.spec().get("/ping").then().statusCode(200);
        });
    }

    @Test
    void headers_within_the_limits_are_served() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(20, 4 * 1024, 100, 10,
                Duration.ofSeconds(30), Duration.ofSeconds(60))));
        app.get("/ping", ctx -> ctx.header("X-Big").length());
        SpindleTest.test(app, client -> client.spec().header("X-Big", "a".repeat(2 * 1024)).get("/ping").then()
                .statusCode(200).body(equalTo("2048")));
    }

    @Test
    void a_client_that_never_finishes_its_headers_is_disconnected() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(100, 64 * 1024, 100, 10,
                Duration.ofMillis(300), Duration.ofSeconds(60))));
        app.get("/ping", ctx -> "pong");
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                http.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: still typing");
                var response = http.readOrClosed();   // returns when the server gives up on us
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                    assertThat(http.closedByServer()).isTrue();
                }
            }
        });
    }

    @Test
    void a_client_trickling_its_headers_is_disconnected_before_it_finishes() throws Exception {
        var app = Spindle.create(config -> config.limits(Limits.defaults().withRequestParseTimeout(Duration.ofMillis(300))));
        app.get("/ping", ctx -> "pong");
        // One byte every 20 ms: the whole block would take 20 s, while no gap between two bytes comes
        // near 300 ms. Only a timeout on the whole header block disconnects this client.
        byte[] headers = ("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(960) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                CompletableFuture<RawHttp.Response> answer = CompletableFuture.supplyAsync(() -> {
                    try {
                        return http.readOrClosed();   // returns when the server answers or gives up on us
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                int sent = 0;
                try {
                    while (sent < headers.length && !answer.isDone()) {
                        http.send(new byte[] {headers[sent]});
                        sent++;
                        Thread.sleep(20);
                    }
                } catch (SocketException closed) {
                    // the server closed the connection under a byte in flight
                }
                var response = answer.get();
                assertThat(sent).as("header bytes sent before the server gave up").isLessThan(headers.length);
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                    assertThat(http.closedByServer()).isTrue();
                }
            }
        });
    }

    @Test
    void an_idle_kept_alive_connection_is_closed() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(100, 64 * 1024, 100, 10,
                Duration.ofSeconds(30), Duration.ofMillis(300))));
        app.get("/ping", ctx -> "pong");
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                assertThat(http.get("/ping").status()).isEqualTo(200);
                assertThat(http.closedByServer()).isTrue();     // returns when the server closes the idle connection
            }
        });
    }

    @Test
    void too_many_cookies_are_400_not_500() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(100, 64 * 1024, 100, 5,
                Duration.ofSeconds(30), Duration.ofSeconds(60))));
        app.get("/cookies", ctx -> ctx.cookies().size());
        SpindleTest.test(app, client -> {
            var many = client.spec();
            for (int i = 0; i < 20; i++) {
                many = many.cookie("c" + i, "v");
            }
            many.get("/cookies").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("cookies"));
            client.spec().cookie("a", "1").cookie("b", "2").get("/cookies").then().statusCode(200).body(equalTo("2"));
        });
    }

    @Test
    void too_many_query_parameters_are_refused() throws Exception {
        var app = Spindle.create(config -> config.limits(new Limits(100, 64 * 1024, 10, 10,
                Duration.ofSeconds(30), Duration.ofSeconds(60))));
        app.get("/q", ctx -> ctx.queryParamMap().size());
        SpindleTest.test(app, client -> {
            StringBuilder query = new StringBuilder("/q?p0=0");
            for (int i = 1; i < 50; i++) {
                query.append("&p").append(i).append('=').append(i);
            }
            try (RawHttp http = client.raw()) {
                var response = http.send("GET " + query + " HTTP/1.1\r\nHost: x\r\n\r\n").readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                }
            }
            client.spec().get("/q?a=1&b=2").then().statusCode(200).body(containsString("2"));
        });
    }
}
