package dev.spindle.testing;

import dev.spindle.Spindle;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Runs a test against a real server: starts {@code app} on a free port, hands the test a client,
 * and always stops the app, as Javalin's {@code JavalinTest.test} does. The client offers a
 * RestAssured spec ({@link Client#spec()}), the JDK {@code HttpClient} for concurrent requests
 * ({@link Client#http()}) and a raw socket ({@link Client#raw()}) for requests a client library
 * would normalise (encoded dot segments, oversized headers, hand-written chunked bodies).
 * <pre>{@code
 * SpindleTest.test(app, client -> client.spec().get("/fast").then().statusCode(200));
 * }</pre>
 *
 * <p>Every client has a generous read timeout ({@link #HANG_GUARD}): a server that never answers
 * fails the test instead of blocking the build. It guards against hangs and is never a
 * pass/fail threshold on speed.
 */
public final class SpindleTest {

    /** How long a client waits for an answer before it fails the test as hung. */
    public static final Duration HANG_GUARD = Duration.ofSeconds(20);

    private static final RestAssuredConfig GUARDED = RestAssuredConfig.config().httpClient(
            HttpClientConfig.httpClientConfig()
                    .setParam("http.connection.timeout", (int) HANG_GUARD.toMillis())
                    .setParam("http.socket.timeout", (int) HANG_GUARD.toMillis()));

    private SpindleTest() {
    }

    /** Starts {@code app} on port 0, runs {@code test}, stops the app even if the test fails. */
    public static void test(Spindle app, TestBody test) throws Exception {
        app.start(0);
        try (Client client = new Client(app.port())) {
            test.run(client);
        } finally {
            app.stop();
        }
    }

    /** A test's access to the running app. */
    @FunctionalInterface
    public interface TestBody {
        void run(Client client) throws Exception;
    }

    /** Where the app listens, and clients for it. */
    public static final class Client implements AutoCloseable {
        private final int port;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(HANG_GUARD).build();

        public Client(int port) {
            this.port = port;
        }

        public int port() {
            return port;
        }

        /** {@code http://127.0.0.1:<port>} */
        public String baseUrl() {
            return "http://127.0.0.1:" + port;
        }

        /** A RestAssured request already pointed at the app: {@code client.spec().get("/x")}. */
        public RequestSpecification spec() {
            return RestAssured.given(new RequestSpecBuilder().setBaseUri("http://127.0.0.1").setPort(port)
                    .setConfig(GUARDED).build());
        }

        /** The JDK client, for concurrent and asynchronous requests. */
        public HttpClient http() {
            return http;
        }

        /** Closes the JDK client (its selector thread); {@link #test} does this for you. */
        @Override
        public void close() {
            http.close();
        }

        /** A raw socket connection to the app, for requests RestAssured would normalise; close it. */
        public RawHttp raw() throws java.io.IOException {
            return RawHttp.connect(port);
        }

        /** A GET request builder for {@code path}. */
        public HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(HANG_GUARD);
        }

        /** Sends a GET and returns the body as text. */
        public HttpResponse<String> get(String path) throws Exception {
            return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
