package dev.spindle.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The opening example of docs/jobs.md, as written there. */
class JobDocsExampleTest {

    record ReportRequest(int pages, String callbackUrl) {
    }

    record Report(int pages, String url) {
    }

    static void render(int page) {
    }

    @Test
    void the_docs_example_runs_and_its_metrics_reach_the_apps_registry() throws Exception {
        var registry = new SimpleMeterRegistry();
        var app = Spindle.create(config -> config.meterRegistry(registry));
        Map<String, String> environment = Map.of("WEBHOOK_SECRET", JobWebhookTest.randomSecret());
        Jobs jobs = Jobs.install(app, settings -> Optional.ofNullable(environment.get("WEBHOOK_SECRET"))
                .ifPresent(settings::webhookSecret));

        app.post("/reports", ctx -> {
            ReportRequest request = ctx.bodyAs(ReportRequest.class);
            return jobs.start(ctx, "report", request.callbackUrl(), job -> {
                for (int page = 1; page <= request.pages(); page++) {
                    render(page);
                    job.progress(100 * page / request.pages(), "page " + page + " of " + request.pages());
                }
                return new Report(request.pages(), "https://files.example/report.pdf");
            });
        });
        app.start(0);
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + "/reports"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"pages\": 4}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();
            JsonPath done = JsonPath.from(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + location + "?wait=30s")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(done.getString("state")).isEqualTo("SUCCEEDED");
            assertThat(done.getString("progress.message")).isEqualTo("page 4 of 4");
            assertThat(done.getInt("result.pages")).isEqualTo(4);
            assertThat(registry.get("spindle.jobs.completed").tag("kind", "report").counter().count()).isEqualTo(1);
        } finally {
            app.stop();
        }
    }
}
