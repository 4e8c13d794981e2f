package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
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
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, new java.util.Properties())) {
            connection.isValid(5);
        } catch (java.sql.SQLException e) {
            if (System.getenv("CI") != null) {
                throw e;
            }
            Assumptions.abort("No PostgreSQL at 127.0.0.1:5432 (" + e.getMessage() + "): start one as .ci/run does");
        }
        DemoOptions shared = new DemoOptions(ThreadingMode.virtualThreads(), "127.0.0.1", 0, 0, false, false, url);
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
}
