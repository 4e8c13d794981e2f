package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request framing over raw sockets, bytes written by hand so that no client library "helps": a
 * second request hidden in a body must never be parsed (RFC 9112 §6.1, §6.3). The framing does not
 * depend on the threading mode, so the app runs in the default one.
 */
class RequestSmugglingTest {

    private static final String SMUGGLED = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n";

    private final AtomicInteger fastCalls = new AtomicInteger();
    private Spindle app;

    @BeforeEach
    void start() {
        app = Spindle.create();
        app.post("/echo", ctx -> ctx.body().length() + " bytes");
        app.get("/fast", ctx -> {
            fastCalls.incrementAndGet();
            return "fast";
        });
        app.start(0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xchunked", "chunked, identity", "gzip, chunked", "identity", "chunked, chunked"})
    void a_transfer_coding_other_than_one_chunked_is_refused_and_what_follows_is_never_parsed(String coding)
            throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);
            RawHttp.Response refused = http.readOrClosed();
            assertThat(refused).isNotNull();
            assertThat(refused.status()).isIn(400, 501);
            assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(fastCalls).hasValue(0);
    }

    @Test
    void two_transfer_encoding_lines_are_refused() throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);
            RawHttp.Response refused = http.readOrClosed();
            assertThat(refused).isNotNull();
            assertThat(refused.status()).isIn(400, 501);
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(fastCalls).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "Chunked", "CHUNKED"})
    void a_single_chunked_coding_in_any_case_is_read_and_the_connection_kept(String coding) throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            RawHttp.Response echoed = http.read();
            assertThat(echoed.status()).isEqualTo(200);
            assertThat(echoed.text()).isEqualTo("5 bytes");
            assertThat(http.get("/fast").text()).isEqualTo("fast");
        }
    }

    // The neighbouring cases are refused by Undertow's parser today; these pin it.

    @Test
    void content_length_together_with_transfer_encoding_is_refused() throws Exception {
        assertRefusedWithoutParsingTheRest("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + SMUGGLED);
    }

    @Test
    void two_different_content_lengths_are_refused() throws Exception {
        assertRefusedWithoutParsingTheRest("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\n"
                + "hello" + SMUGGLED);
    }

    @Test
    void a_malformed_content_length_is_refused() throws Exception {
        assertRefusedWithoutParsingTheRest("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello" + SMUGGLED);
    }

    @Test
    void a_request_without_host_is_refused() throws Exception {
        assertRefusedWithoutParsingTheRest("GET /fast HTTP/1.1\r\n\r\n" + SMUGGLED);
    }

    @Test
    void a_request_with_two_hosts_is_refused() throws Exception {
        assertRefusedWithoutParsingTheRest("GET /fast HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + SMUGGLED);
    }

    private void assertRefusedWithoutParsingTheRest(String bytes) throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send(bytes);
            RawHttp.Response refused = http.readOrClosed();
            if (refused != null) {
                assertThat(refused.status()).isEqualTo(400);
                assertThat(http.closedByServer()).isTrue();
            }
        }
        assertThat(fastCalls).hasValue(0);
    }

    /**
     * Pins a known weakness of undertow-core 2.4 (the family of CVE-2025-58056): its chunked decoder
     * accepts a bare LF where RFC 9112 requires CRLF. Spindle does not re-parse chunk framing below
     * Undertow; docs/operations.md says so and recommends a strict proxy in front. When an Undertow
     * upgrade starts refusing these bodies, this test fails: update the docs and turn it around.
     */
    @ParameterizedTest
    @ValueSource(strings = {"5\nhello\r\n0\r\n\r\n", "5;ext\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n0\n\n"})
    void bare_lf_in_chunk_framing_is_still_accepted_by_undertow(String chunks) throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks);
            RawHttp.Response answer = http.readOrClosed();
            assertThat(answer).isNotNull();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("5 bytes");
        }
    }
}
