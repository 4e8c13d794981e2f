package dev.spindle.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    private static Spindle demoLikeApp(io.micrometer.core.instrument.MeterRegistry registry) {
        Spindle app = Spindle.create(config -> config.threading(ThreadingMode.workerPool(2, 10)).meterRegistry(registry));
        app.get("/fast", ctx -> "fast");
        app.get("/users/{id:int}", ctx -> ctx.pathParam("id"));
        app.metricsEndpoint("/metrics");
        return app;
    }

    @Test
    void every_meter_carries_the_mode_and_uri_is_always_a_template() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Spindle app = Spindle.create(config -> config.threading(ThreadingMode.workerPool(2, 10)).meterRegistry(registry));
        app.get("/users/{id:int}", ctx -> ctx.pathParam("id"));
        SpindleTest.test(app, client -> {
            for (int id = 0; id < 20; id++) {
                client.spec().get("/users/" + id).then().statusCode(200);
            }
            client.spec().get("/nope/1").then().statusCode(404);
            client.spec().get("/nope/2").then().statusCode(404);
            client.spec().post("/users/1").then().statusCode(405);
        });
        assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS).tags("uri", "/users/{id:int}", "status", "200",
                "outcome", "SUCCESS", "exception", "none", "method", "GET").timer().count()).isEqualTo(20);
        assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS).tags("uri", "NOT_FOUND", "status", "404")
                .timer().count()).isEqualTo(2);
        assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS).tags("uri", "/users/{id:int}", "status", "405",
                "exception", "HttpException").timer().count()).isEqualTo(1);
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTag("mode")).isEqualTo("pool"));
        assertThat(registry.getMeters()).map(Meter::getId).map(id -> id.getTag("uri"))
                .filteredOn(uri -> uri != null).allMatch(uri -> uri.startsWith("/users/{") || uri.equals("NOT_FOUND"));
    }

    @Test
    void the_prometheus_text_passes_promtool() throws Exception {
        File promtool = new File("/usr/bin/promtool");
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(promtool.canExecute(), "promtool is installed by .ci/run (Debian package prometheus)");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Spindle app = demoLikeApp(registry);
        SpindleTest.test(app, client -> {
            client.spec().get("/fast").then().statusCode(200);
            client.spec().get("/users/7").then().statusCode(200);
            var response = client.spec().get("/metrics");
            response.then().statusCode(200).contentType("text/plain; version=0.0.4; charset=utf-8");
            Path scraped = Files.createTempFile("spindle-metrics", ".txt");
            try {
                Files.writeString(scraped, response.asString(), StandardCharsets.UTF_8);
                Process check = new ProcessBuilder(promtool.getPath(), "check", "metrics")
                        .redirectInput(scraped.toFile()).redirectErrorStream(true).start();
                String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(check.exitValue()).as(output).isZero();
            } finally {
                Files.delete(scraped);
            }
            assertThat(response.asString()).contains("http_server_requests_seconds_count{");
        });
    }

    @Test
    void the_routes_snapshot_summarises_each_route() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Spindle app = demoLikeApp(registry);
        SpindleTest.test(app, client -> {
            for (int i = 0; i < 5; i++) {
                client.spec().get("/fast").then().statusCode(200);
            }
            client.spec().get("/metrics/routes").then().statusCode(200)
                    .body("mode", equalTo("pool"))
                    .body("routes.find { it.uri == '/fast' }.count", equalTo(5))
                    .body("routes.find { it.uri == '/fast' }.active", equalTo(0))
                    .body("dispatchers.name", hasItem("app"))
                    .body("dispatchers.find { it.name == 'app' }.capacity", equalTo(2));
        });
    }

    @Test
    void the_endpoint_needs_a_prometheus_registry() {
        Spindle app = Spindle.create(config -> config.meterRegistry(new SimpleMeterRegistry()));
        assertThatThrownBy(() -> app.metricsEndpoint("/metrics"))
                .hasMessageContaining("PrometheusMeterRegistry");
    }

    @Test
    void stopping_the_app_removes_its_gauges_and_keeps_its_counts() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Spindle app = Spindle.create(config -> config.meterRegistry(registry));
        app.get("/fast", ctx -> "fast");
        SpindleTest.test(app, client -> {
            client.spec().get("/fast").then().statusCode(200);
            assertThat(registry.find(MeterNames.DISPATCHER_ACTIVE).gauge()).isNotNull();
        });
        assertThat(registry.find(MeterNames.DISPATCHER_ACTIVE).gauge()).isNull();
        assertThat(registry.find(MeterNames.REQUESTS_ACTIVE).gauge()).isNull();
        assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS).tag("uri", "/fast").timer().count()).isEqualTo(1);
    }
}
