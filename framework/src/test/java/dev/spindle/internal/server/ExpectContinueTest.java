package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}
