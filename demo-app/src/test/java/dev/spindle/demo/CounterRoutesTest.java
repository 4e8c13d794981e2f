package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.ThreadingMode;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code /counter} experiment over real HTTP, in every threading mode. */
class CounterRoutesTest {

    private static final int REQUESTS = 100;

    static Stream<Arguments> modes() {
        return Stream.of(
                Arguments.of(ThreadingMode.singleThreaded()),
                Arguments.of(ThreadingMode.threadPerRequest()),
                Arguments.of(ThreadingMode.virtualThreads()),
                Arguments.of(ThreadingMode.workerPool(4, 100)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void concurrent_posts_to_the_safe_counter_are_never_lost(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            List<HttpResponse<String>> responses = postConcurrently(client, "/counter/safe");
            assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));
            List<Long> written = responses.stream().map(response -> JsonPath.from(response.body()).getLong("value")).sorted().toList();
            // Under the mutex each request read the previous request's write: the values are exactly 1..N.
            assertThat(written).isEqualTo(Stream.iterate(1L, n -> n + 1).limit(REQUESTS).toList());

            JsonPath state = JsonPath.from(client.get("/counter").body());
            assertThat(state.getLong("safe")).isEqualTo(REQUESTS);
            assertThat(state.getLong("requests.safe")).isEqualTo(REQUESTS);
            assertThat(state.getLong("unsafe")).isZero();
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void the_unsafe_counter_counts_every_request_but_may_lose_increments(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            List<HttpResponse<String>> responses = postConcurrently(client, "/counter/unsafe");
            assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));

            JsonPath state = JsonPath.from(client.get("/counter").body());
            assertThat(state.getLong("requests.unsafe")).isEqualTo(REQUESTS);
            if (mode instanceof ThreadingMode.SingleThreaded) {
                assertThat(state.getLong("unsafe")).as("one thread runs every handler: nothing to lose").isEqualTo(REQUESTS);
            } else {
                // Lost updates are likely here but not certain, so only the bounds are asserted.
                assertThat(state.getLong("unsafe")).isBetween(1L, (long) REQUESTS);
            }
        });
    }

    @Test
    void the_state_has_a_stable_shape_and_reset_zeroes_it() throws Exception {
        SpindleTest.test(app(ThreadingMode.virtualThreads()), client -> {
            post(client, "/counter/safe");
            post(client, "/counter/safe");
            post(client, "/counter/unsafe");
            assertThat(client.get("/counter").body())
                    .isEqualTo("{\"safe\":2,\"unsafe\":1,\"requests\":{\"safe\":2,\"unsafe\":1}}");
            HttpResponse<String> reset = post(client, "/counter/reset");
            assertThat(reset.statusCode()).isEqualTo(200);
            assertThat(reset.body()).isEqualTo("{\"safe\":0,\"unsafe\":0,\"requests\":{\"safe\":0,\"unsafe\":0}}");
            assertThat(client.get("/counter").body()).isEqualTo(reset.body());
        });
    }

    private static Spindle app(ThreadingMode mode) {
        Spindle app = Spindle.create(config -> config.threading(mode));
        CounterRoutes.install(app);
        return app;
    }

    private static List<HttpResponse<String>> postConcurrently(SpindleTest.Client client, String path) {
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            pending.add(client.http().sendAsync(postRequest(client, path), HttpResponse.BodyHandlers.ofString()));
        }
        return pending.stream().map(future -> future.orTimeout(30, TimeUnit.SECONDS).join()).toList();
    }

    private static HttpResponse<String> post(SpindleTest.Client client, String path) throws Exception {
        return client.http().send(postRequest(client, path), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest postRequest(SpindleTest.Client client, String path) {
        return client.request(path).version(HttpClient.Version.HTTP_1_1).POST(HttpRequest.BodyPublishers.noBody()).build();
    }
}
