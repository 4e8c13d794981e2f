package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import dev.spindle.http.HttpException;
import dev.spindle.http.UploadedFile;
import dev.spindle.testing.Logs;
import dev.spindle.testing.RawHttp;
import dev.spindle.testing.SpindleTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * A route may opt in to reading a large upload as it arrives, past the app's in-memory body limit.
 * The body is received on the IO thread and handed to the handler's thread as it comes, so each
 * case runs in every mode that can stream (a non-blocking route cannot).
 */
class StreamingBodyTest {

    private static final int MIB = 1024 * 1024;
    private static final String BOUNDARY = "spindle-7MA4YWxkTrZu0gW";

    static List<ThreadingMode> modes() {
        return Modes.all().toList();
    }

    private static Spindle app(ThreadingMode mode) {
        Spindle app = Spindle.create(config -> config.threading(mode).maxBodySize(MIB));
        app.post("/upload", ctx -> ctx.bodyStream().transferTo(OutputStream.nullOutputStream()),
                route -> route.streamingBody(8L * MIB));
        app.post("/small", ctx -> ctx.bodyBytes().length);
        return app;
    }

    /** Posts with {@code Expect: 100-continue}, as curl does for large bodies, so a refusal arrives before the upload. */
    private static HttpResponse<String> post(SpindleTest.Client client, String path, int bytes) throws Exception {
        return client.http().send(client.request(path).expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_streaming_route_reads_a_body_larger_than_the_app_limit(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            HttpResponse<String> streamed = post(client, "/upload", 3 * MIB);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).isEqualTo(Integer.toString(3 * MIB));
            assertThat(post(client, "/small", 3 * MIB).statusCode()).isEqualTo(413);
            assertThat(post(client, "/small", 1000).body()).isEqualTo("1000");
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_streaming_route_refuses_a_body_past_its_own_limit(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            HttpResponse<String> refused = post(client, "/upload", 9 * MIB);
            assertThat(refused.statusCode()).isEqualTo(413);
            assertThat(refused.body()).contains("exceeds the limit of " + 8 * MIB);
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_chunked_upload_is_bounded_by_the_route_limit_not_undertows_default(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            // no length: the JDK client sends the body chunked, past Undertow's default 2 MiB entity limit
            HttpResponse<String> streamed = client.http().send(client.request("/upload").POST(
                            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[3 * MIB])))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).isEqualTo(Integer.toString(3 * MIB));
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_multipart_upload_to_a_streaming_route_is_parsed_as_it_arrives(ThreadingMode mode) throws Exception {
        byte[] file = new byte[3 * MIB]; // three times the app's limit: only a streamed body gets through
        new Random(12).nextBytes(file);
        Spindle app = Spindle.create(config -> config.threading(mode).maxBodySize(MIB));
        app.post("/documents", ctx -> {
            UploadedFile doc = ctx.uploadedFile("doc");
            return ctx.formParam("title") + "|" + doc.filename() + "|" + doc.contentType() + "|" + doc.size() + "|"
                    + sha256(doc.content());
        }, route -> route.streamingBody(8L * MIB));
        SpindleTest.test(app, client -> {
            HttpResponse<String> response = client.http().send(client.request("/documents")
                            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(multipart("Quarterly report", file))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("Quarterly report|report.bin|application/octet-stream|" + file.length
                    + "|" + sha256(file));
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_streamed_multipart_body_past_the_route_limit_is_413(ThreadingMode mode) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch failed = new CountDownLatch(1);
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.post("/documents", ctx -> {
            try {
                return ctx.uploadedFiles("doc").size();
            } catch (RuntimeException e) {
                failure.set(e);
                failed.countDown();
                throw e;
            }
        }, route -> route.streamingBody(64 * 1024));
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                http.send("POST /documents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n\r\n");
                byte[] body = multipart("too big", new byte[100 * 1024]);
                // 100 KiB arrives and the body never ends: the route's 64 KiB limit must end the parse
                http.send(Integer.toHexString(body.length) + "\r\n");
                http.send(body);
                RawHttp.Response response = http.readOrClosed();
                if (response != null) {
                    assertThat(response.status()).isEqualTo(413);
                }
                assertThat(http.closedByServer()).isTrue();
            }
            assertThat(failed.await(SpindleTest.HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(failure.get()).isInstanceOfSatisfying(HttpException.class,
                    e -> assertThat(e.status()).isEqualTo(413));
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_deadline_during_a_streaming_read_answers_503_ends_the_read_and_closes_the_connection(ThreadingMode mode)
            throws Exception {
        CountDownLatch readEnded = new CountDownLatch(1);
        AtomicReference<Throwable> readFailure = new AtomicReference<>();
        AtomicReference<String> firstBytes = new AtomicReference<>();
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.post("/upload", ctx -> {
            InputStream body = ctx.bodyStream();
            try {
                firstBytes.set(new String(body.readNBytes(10), StandardCharsets.US_ASCII));
                return body.readAllBytes().length; // the client stalls: only the deadline ends this read
            } catch (Throwable e) {
                readFailure.set(e);
                throw e;
            } finally {
                readEnded.countDown();
            }
        }, route -> route.streamingBody(MIB).timeout(Duration.ofMillis(200)));
        String requestId = "stalled-upload-" + mode.getClass().getSimpleName();
        Logs logs = Logs.mark();
        app.start(0);
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("POST /upload HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + requestId
                    + "\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(10));
            RawHttp.Response answer = http.read();
            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(answer.text()).contains("deadline");
            assertThat(readEnded.await(SpindleTest.HANG_GUARD.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(readFailure.get()).isInstanceOfSatisfying(HttpException.class,
                    e -> assertThat(e.status()).isEqualTo(503));
            assertThat(http.closedByServer()).isTrue(); // and no second response before the close
        } finally {
            app.stop();
        }
        assertThat(logs.linesContaining(requestId)).noneMatch(line -> line.contains("ERROR"));
        if (firstBytes.get() != null) {
            assertThat(firstBytes.get()).isEqualTo("x".repeat(10));
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_streamed_body_the_handler_leaves_unread_is_not_drained(ThreadingMode mode) throws Exception {
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.post("/upload", ctx -> "not needed", route -> route.streamingBody(MIB));
        SpindleTest.test(app, client -> {
            try (RawHttp http = client.raw()) {
                http.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n");
                RawHttp.Response answer = http.read(); // the body never comes
                assertThat(answer.status()).isEqualTo(200);
                assertThat(answer.header("Connection")).isEqualTo("close");
                assertThat(http.closedByServer()).isTrue();
            }
        });
    }

    private static byte[] multipart(String title, byte[] file) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title
                + "\r\n--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"report.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void a_streaming_route_cannot_be_non_blocking() {
        Spindle app = Spindle.create();
        app.post("/upload", ctx -> null, route -> route.streamingBody(MIB).nonBlocking());
        assertThatThrownBy(() -> app.start(0)).hasMessageContaining("cannot also be non-blocking");
    }
}
