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
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code /counter} experiment over real HTTP, in every threading mode. */
class CounterRoutesTest {

    private static final int REQUESTS = 100;

    /** How many unsafe requests are held between read and write at once: the worker pool's size. */
    private static final int TOGETHER = 4;

    static Stream<Arguments> modes() {
        return Stream.concat(Stream.of(Arguments.of(ThreadingMode.singleThreaded())), concurrentModes());
    }

    /** The modes that run several handlers at once, at least {@value #TOGETHER}. */
    static Stream<Arguments> concurrentModes() {
        return Stream.of(
                Arguments.of(ThreadingMode.threadPerRequest()),
                Arguments.of(ThreadingMode.virtualThreads()),
                Arguments.of(ThreadingMode.workerPool(TOGETHER, 100)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void concurrent_posts_to_the_safe_counter_are_never_lost(ThreadingMode mode) throws Exception {
        SpindleTest.test(app(mode), client -> {
            List<HttpResponse<String>> responses = postConcurrently(client, "/counter/safe", REQUESTS);
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

    /**
     * The lost update over real HTTP, forced: {@value #TOGETHER} concurrent requests each read the
     * unsafe counter, then wait at a barrier where the handler would yield, until all of them have
     * read. All read 0 and all write 1, so {@value #TOGETHER} increments leave the counter at exactly
     * 1 and every response reports 1. The barrier fixes the interleaving: this is the result of every
     * run, in every mode that runs {@value #TOGETHER} handlers at once. A counter that did not lose
     * updates would end at {@value #TOGETHER} and fail the test.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("concurrentModes")
    void requests_that_all_read_before_any_writes_back_leave_the_unsafe_counter_at_1(ThreadingMode mode) throws Exception {
        CyclicBarrier allRead = new CyclicBarrier(TOGETHER);
        Spindle app = Spindle.create(config -> config.threading(mode));
        CounterRoutes.install(app, () -> {
            try {
                allRead.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("not all " + TOGETHER + " requests read the counter", e);
            }
        });
        SpindleTest.test(app, client -> {
            List<HttpResponse<String>> responses = postConcurrently(client, "/counter/unsafe", TOGETHER);
            assertThat(responses).allSatisfy(response -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(JsonPath.from(response.body()).getLong("value")).as("the value this request wrote").isEqualTo(1);
            });

            JsonPath state = JsonPath.from(client.get("/counter").body());
            assertThat(state.getLong("requests.unsafe")).isEqualTo(TOGETHER);
            assertThat(state.getLong("unsafe")).as("%d increments, %d lost", TOGETHER, TOGETHER - 1).isEqualTo(1);
        });
    }

    /** One thread runs every handler, one request after the other: each reads the previous write. */
    @Test
    void with_a_single_handler_thread_the_unsafe_counter_loses_nothing() throws Exception {
        SpindleTest.test(app(ThreadingMode.singleThreaded()), client -> {
            List<HttpResponse<String>> responses = postConcurrently(client, "/counter/unsafe", REQUESTS);
            assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isEqualTo(200));
            List<Long> written = responses.stream().map(response -> JsonPath.from(response.body()).getLong("value")).sorted().toList();
            assertThat(written).isEqualTo(Stream.iterate(1L, n -> n + 1).limit(REQUESTS).toList());

            JsonPath state = JsonPath.from(client.get("/counter").body());
            assertThat(state.getLong("requests.unsafe")).isEqualTo(REQUESTS);
            assertThat(state.getLong("unsafe")).isEqualTo(REQUESTS);
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

    private static List<HttpResponse<String>> postConcurrently(SpindleTest.Client client, String path, int count) {
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
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
