package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Limits;
import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Bodies are received on the IO thread before any handler runs; these bounds keep a slow or greedy
 * client from holding that forever or from making the server hold unbounded memory. Raw sockets, so
 * the bytes and their pace are exactly what the test writes.
 */
class SlowBodyTest {

    private final AtomicInteger handled = new AtomicInteger();

    private Spindle app(Limits limits, long maxBodySize) {
        Spindle app = Spindle.create(config -> config.limits(limits).maxBodySize(maxBodySize));
        app.post("/upload", ctx -> {
            handled.incrementAndGet();
            return ctx.body().length() + " bytes";
        });
        app.post("/stream", ctx -> {
            handled.incrementAndGet();
            return ctx.bodyStream().readAllBytes().length + " bytes";
        }, route -> route.streamingBody(0));
        app.get("/fast", ctx -> "fast");
        return app.start(0);
    }

    @Test
    void a_body_that_does_not_arrive_in_time_gets_408_the_connection_closes_and_no_handler_runs() throws Exception {
        Spindle app = app(Limits.defaults().withBodyTimeout(Duration.ofMillis(300)), 1024);
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nx");
            RawHttp.Response timedOut = http.read(); // the client sends nothing more
            assertThat(timedOut.status()).isEqualTo(408);
            assertThat(timedOut.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(http.closedByServer()).isTrue();
            assertThat(handled).hasValue(0);
            try (RawHttp next = RawHttp.connect(app.port())) {
                assertThat(next.get("/fast").text()).isEqualTo("fast");
            }
        } finally {
            app.stop();
        }
    }

    @Test
    void bodies_past_the_buffered_bound_get_503_before_they_are_read() throws Exception {
        Spindle app = app(Limits.defaults().withMaxBufferedBodyBytes(150), 1024);
        try (RawHttp first = RawHttp.connect(app.port()); RawHttp second = RawHttp.connect(app.port())) {
            first.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nxx");
            // the first holds its 100 bytes once a whole 51-byte request no longer fits beside it
            await().until(() -> {
                try (RawHttp probe = RawHttp.connect(app.port())) {
                    probe.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 51\r\n\r\n"
                            + "p".repeat(51));
                    return probe.read().status() == 503;
                }
            });
            second.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n");
            RawHttp.Response refused = second.read(); // 100 + 100 would pass 150 while the first is still arriving
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(second.closedByServer()).isTrue();

            first.send("x".repeat(98));
            RawHttp.Response received = first.read();
            assertThat(received.status()).isEqualTo(200);
            assertThat(received.text()).isEqualTo("100 bytes");
            try (RawHttp third = RawHttp.connect(app.port())) { // the first gave its reservation back
                third.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
                        + "y".repeat(100));
                assertThat(third.read().status()).isEqualTo(200);
            }
        } finally {
            app.stop();
        }
    }

    @Test
    void a_body_undertow_fails_to_decode_gives_its_reservation_back_when_its_connection_ends() throws Exception {
        // A body timeout far beyond the test: only the end of the exchange can give the reservation back.
        Spindle app = app(Limits.defaults().withBodyTimeout(Duration.ofMinutes(10)).withMaxBufferedBodyBytes(1500), 1024);
        try {
            try (RawHttp http = RawHttp.connect(app.port())) {
                // A trailer name that is not a token: Undertow's chunk decoder throws IllegalArgumentException.
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n0\r\n\u00e9: x\r\n\r\n");
                RawHttp.Response response = http.readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isBetween(400, 499);
                }
                assertThat(http.closedByServer()).isTrue();
            }
            // It reserved 1,024 bytes (a chunked body may reach maxBodySize); 600 more fit only once they are back.
            await().untilAsserted(() -> {
                try (RawHttp next = RawHttp.connect(app.port())) {
                    next.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 600\r\n\r\n"
                            + "z".repeat(600));
                    assertThat(next.read().status()).isEqualTo(200);
                }
            });
            assertThat(handled).hasValue(1);
        } finally {
            app.stop();
        }
    }

    @Test
    void a_limit_of_zero_accepts_no_body_even_chunked() throws Exception {
        Spindle app = app(Limits.defaults(), 0);
        try {
            for (String path : new String[] {"/upload", "/stream"}) {
                try (RawHttp http = RawHttp.connect(app.port())) {
                    http.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                    assertThat(http.read().status()).isEqualTo(413);
                }
                try (RawHttp http = RawHttp.connect(app.port())) {
                    http.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
                    assertThat(http.read().status()).isEqualTo(413);
                }
                try (RawHttp http = RawHttp.connect(app.port())) {
                    http.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
                    assertThat(http.read().text()).isEqualTo("0 bytes");
                }
            }
            assertThat(handled).hasValue(2);
        } finally {
            app.stop();
        }
    }
}
