package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** A route may opt in to reading a large upload as it arrives, past the app's in-memory body limit. */
class StreamingBodyTest {

    private static final int MIB = 1024 * 1024;

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

    @Test
    void a_streaming_route_cannot_be_non_blocking() {
        Spindle app = Spindle.create();
        app.post("/upload", ctx -> null, route -> route.streamingBody(MIB).nonBlocking());
        assertThatThrownBy(() -> app.start(0)).hasMessageContaining("cannot also be non-blocking");
    }
}
