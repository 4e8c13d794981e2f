package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import io.restassured.path.json.JsonPath;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class JobRoutesTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(Spindle app, String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + path));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Spindle start(String... args) {
        Spindle app = DemoApp.create(DemoOptions.parse(List.of(args)));
        return app.start(0);
    }

    @Test
    void a_report_job_runs_to_its_result() throws Exception {
        Spindle app = start();
        try {
            HttpResponse<String> accepted = send(app, "POST", "/jobs/report", "{\"ms\": 0, \"steps\": 4}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();
            JsonPath done = JsonPath.from(send(app, "GET", location + "?wait=30s", null).body());
            assertThat(done.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(done.getInt("result.pages")).isEqualTo(4);
            assertThat(done.getString("progress.message")).isEqualTo("step 4 of 4");
        } finally {
            app.stop();
        }
    }

    @Test
    void with_jobs_db_the_demo_refuses_to_start_without_a_webhook_secret() {
        Assumptions.assumeTrue(System.getenv(JobRoutes.SECRET_VARIABLE) == null,
                "this JVM has " + JobRoutes.SECRET_VARIABLE + " set");
        assertThatThrownBy(() -> DemoOptions.parse(List.of("--jobs-db", "jdbc:postgresql://127.0.0.1:5432/spindle_test")))
                .isInstanceOf(picocli.CommandLine.ParameterException.class)
                .hasMessageContaining(JobRoutes.SECRET_VARIABLE);
    }

    @Test
    void two_demos_given_one_jobs_db_share_their_reports() throws Exception {
        String url = System.getenv().getOrDefault("SPINDLE_TEST_DB",
                "jdbc:postgresql://127.0.0.1:5432/spindle_test?user=spindle&password=spindle");
        try (Connection connection = DriverManager.getConnection(url, new Properties())) {
            connection.isValid(5);
        } catch (SQLException e) {
            if (System.getenv("CI") != null) {
                throw e;
            }
            Assumptions.abort("No PostgreSQL at 127.0.0.1:5432 (" + e.getMessage() + "): start one as .ci/run does");
        }
        // A schema of this run's, not public: builds of other Spindle versions share this database.
        String schema = "demo_" + Long.toString(new SecureRandom().nextLong() >>> 1, 36);
        DemoOptions shared = new DemoOptions(ThreadingMode.virtualThreads(), "127.0.0.1", 0, 0, false, false,
                url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        Spindle a = DemoApp.create(shared).start(0);
        Spindle b = DemoApp.create(shared).start(0);
        try {
            HttpResponse<String> accepted = send(a, "POST", "/jobs/report", "{\"ms\": 0, \"steps\": 2}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();
            JsonPath done = JsonPath.from(send(b, "GET", location + "?wait=30s", null).body());
            assertThat(done.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(done.getInt("result.pages")).isEqualTo(2);
            assertThat(send(a, "GET", location, null).body()).contains("\"state\":\"SUCCEEDED\"");
        } finally {
            a.stop();
            b.stop();
            try (Connection connection = DriverManager.getConnection(url, new Properties());
                 Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void a_report_asked_to_fail_fails_with_its_message() throws Exception {
        Spindle app = start();
        try {
            String location = send(app, "POST", "/jobs/report", "{\"ms\": 0, \"steps\": 4, \"fail\": true}")
                    .headers().firstValue("Location").orElseThrow();
            JsonPath done = JsonPath.from(send(app, "GET", location + "?wait=30s", null).body());
            assertThat(done.getString("state")).isEqualTo("FAILED");
            assertThat(done.getString("error.message")).contains("step 3 of 4");
        } finally {
            app.stop();
        }
    }

    @Test
    void loopback_callbacks_need_the_allow_private_callbacks_flag() throws Exception {
        String body = "{\"ms\": 0, \"steps\": 1, \"callbackUrl\": \"http://127.0.0.1:9/hook\"}";
        Spindle strict = start();
        try {
            assertThat(send(strict, "POST", "/jobs/report", body).statusCode()).isEqualTo(400);
        } finally {
            strict.stop();
        }
        Spindle local = start("--allow-private-callbacks");
        try {
            assertThat(send(local, "POST", "/jobs/report", body).statusCode()).isEqualTo(202);
        } finally {
            local.stop();
        }
    }

    @Test
    void without_a_configured_secret_each_run_signs_with_a_random_one() {
        assertThat(JobRoutes.webhookSecret("mine")).isEqualTo("mine");
        String first = JobRoutes.webhookSecret(null);
        String second = JobRoutes.webhookSecret(" ");
        assertThat(first).startsWith("whsec_").isNotEqualTo(second);
        assertThat(Base64.getDecoder().decode(first.substring("whsec_".length()))).hasSize(32);
    }

    @Test
    void the_demos_own_receiver_is_an_allowed_callback_and_its_webhook_arrives_signed() throws Exception {
        Spindle app = start("--host", "127.0.0.1");
        try {
            String receiver = "http://127.0.0.1:" + app.port() + WebhookReceiver.PATH;
            assertThat(JsonPath.from(send(app, "GET", WebhookReceiver.PATH, null).body()).getString("url")).isEqualTo(receiver);
            HttpResponse<String> accepted = send(app, "POST", "/jobs/report",
                    "{\"ms\": 0, \"steps\": 1, \"callbackUrl\": \"" + receiver + "\"}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = JsonPath.from(accepted.body()).getString("id");

            assertThat(JsonPath.from(send(app, "GET", WebhookReceiver.PATH + "/nobody", null).body()).getBoolean("received")).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    JsonPath.from(send(app, "GET", WebhookReceiver.PATH + "/" + id, null).body()).getBoolean("received"));
            JsonPath received = JsonPath.from(send(app, "GET", WebhookReceiver.PATH + "/" + id, null).body());
            assertThat(received.getBoolean("verified")).isTrue();
            assertThat(received.getString("webhookId")).isNotBlank();
            assertThat(received.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(received.getInt("job.result.pages")).isEqualTo(1);

            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !JsonPath.from(send(app, "GET", "/jobs/" + id, null).body()).getList("deliveries").isEmpty());
            JsonPath job = JsonPath.from(send(app, "GET", "/jobs/" + id, null).body());
            assertThat(job.getString("deliveries[0].outcome")).isEqualTo("delivered");
            assertThat(job.getInt("deliveries[0].status")).isEqualTo(204);
            assertThat(job.getString("deliveries[0].id")).isEqualTo(received.getString("webhookId"));
        } finally {
            app.stop();
        }
    }

    /** The next event of an open stream as {@code [name, data]}, or null when the stream has ended. */
    private static String[] nextEvent(BufferedReader stream) throws Exception {
        String name = null;
        String data = null;
        for (String line = stream.readLine(); line != null; line = stream.readLine()) {
            if (line.startsWith("event:")) {
                name = line.substring("event:".length()).trim();
            } else if (line.startsWith("data:")) {
                data = line.substring("data:".length()).trim();
            } else if (line.isEmpty() && name != null) {
                return new String[] {name, data};
            }
        }
        return null;
    }

    private BufferedReader openEvents(Spindle app, String jobId) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.port() + WebhookReceiver.PATH + "/" + jobId + "/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    /** A webhook as a job sends it, signed the Standard Webhooks way with {@code secret}. */
    private HttpResponse<String> deliver(Spindle app, String secret, String webhookId, String body) throws Exception {
        long timestamp = System.currentTimeMillis() / 1000;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] signature = mac.doFinal((webhookId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + WebhookReceiver.PATH))
                .header("Content-Type", "application/json").header("webhook-id", webhookId)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(signature))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_receiver_pushes_a_delivery_to_the_stream_waiting_for_it_and_to_one_opened_after_it_came() throws Exception {
        String secret = "a secret for this test only";
        Spindle app = Spindle.create(config -> config.host("127.0.0.1"));
        WebhookReceiver.create(app, "127.0.0.1", secret).install();
        app.start(0);
        try (BufferedReader early = openEvents(app, "job_1")) {
            String[] waiting = nextEvent(early);
            assertThat(waiting).isNotNull();
            assertThat(waiting[0]).isEqualTo("waiting");
            assertThat(JsonPath.from(waiting[1]).getString("jobId")).isEqualTo("job_1");

            String job = "{\"id\":\"job_1\",\"state\":\"SUCCEEDED\",\"createdAt\":\"" + Instant.now().minusMillis(1500) + "\"}";
            assertThat(deliver(app, secret, "msg_1", job).statusCode()).isEqualTo(204);

            String[] delivery = nextEvent(early);
            assertThat(delivery).isNotNull();
            assertThat(delivery[0]).isEqualTo("delivery");
            JsonPath pushed = JsonPath.from(delivery[1]);
            assertThat(pushed.getString("jobId")).isEqualTo("job_1");
            assertThat(pushed.getBoolean("verified")).isTrue();
            assertThat(pushed.getString("webhookId")).isEqualTo("msg_1");
            assertThat(pushed.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(pushed.getLong("msAfterSubmission")).isGreaterThanOrEqualTo(1500);
            assertThat(Instant.parse(pushed.getString("receivedAt"))).isBeforeOrEqualTo(Instant.now());
            assertThat(nextEvent(early)).as("the stream ends after the delivery").isNull();

            try (BufferedReader late = openEvents(app, "job_1")) {
                String[] replayed = nextEvent(late);
                assertThat(replayed).isNotNull();
                assertThat(replayed[0]).isEqualTo("delivery");
                assertThat(JsonPath.from(replayed[1]).getString("webhookId")).isEqualTo("msg_1");
                assertThat(nextEvent(late)).isNull();
            }
        } finally {
            app.stop();
        }
    }

    @Test
    void the_receiver_refuses_a_webhook_whose_signature_does_not_hold() throws Exception {
        Spindle app = start();
        try {
            HttpRequest forged = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + WebhookReceiver.PATH))
                    .header("Content-Type", "application/json").header("webhook-id", "msg_forged")
                    .header("webhook-timestamp", Long.toString(System.currentTimeMillis() / 1000))
                    .header("webhook-signature", "v1," + Base64.getEncoder().encodeToString(new byte[32]))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"job_x\",\"createdAt\":\"2026-01-01T00:00:00Z\"}"))
                    .build();
            HttpResponse<String> refused = http.send(forged, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("problem+json"));
            assertThat(JsonPath.from(send(app, "GET", WebhookReceiver.PATH + "/job_x", null).body()).getBoolean("received")).isFalse();
        } finally {
            app.stop();
        }
    }

    @Test
    void other_loopback_callbacks_are_still_refused_at_submission_before_any_connection() throws Exception {
        Spindle app = start("--host", "127.0.0.1");
        try (ServerSocketChannel other = ServerSocketChannel.open()) {
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            other.configureBlocking(false);
            int port = ((InetSocketAddress) other.getLocalAddress()).getPort();
            for (String url : List.of("http://127.0.0.1:" + port + "/x", "http://127.0.0.1:" + port + WebhookReceiver.PATH,
                    "http://127.0.0.1:" + app.port() + "/x", "http://127.0.0.1:" + app.port() + WebhookReceiver.PATH + "/x")) {
                HttpResponse<String> refused = send(app, "POST", "/jobs/report",
                        "{\"ms\": 0, \"steps\": 1, \"callbackUrl\": \"" + url + "\"}");
                assertThat(refused.statusCode()).as(url).isEqualTo(400);
                assertThat(JsonPath.from(refused.body()).getString("detail")).as(url)
                        .isEqualTo("Refused callbackUrl: callbackUrl points to a loopback, private or link-local address");
            }
            assertThat(other.accept()).as("a connection to the other port").isNull();
        } finally {
            app.stop();
        }
    }
}
