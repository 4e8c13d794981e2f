package dev.spindle.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What docs/metrics.md says about time windows and observations: a timer's {@code _max} forgets a
 * value two to three minutes after it was recorded (a Prometheus registry's one-minute step, three
 * buffers) while its {@code _bucket} counters never do, and what {@code /metrics/routes}
 * reports then; and what changes when an {@link ObservationRegistry} produces the request timer.
 * One {@link MockClock} is the registry's clock, so the minutes pass without waiting; each
 * request advances it by 50 ms, which an observation's timer measures exactly (Spindle's own
 * request timer measures real time).
 */
class MetricsWindowTest {

    private final MockClock clock = new MockClock();

    private PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
    }

    private Spindle app(PrometheusMeterRegistry registry, ObservationRegistry observations) {
        Spindle app = Spindle.create(config -> {
            config.meterRegistry(registry);
            if (observations != null) {
                config.observationRegistry(observations);
            }
        });
        app.get("/fast", ctx -> {
            clock.add(Duration.ofMillis(50));
            return "fast";
        });
        app.metricsEndpoint("/metrics");
        return app;
    }

    private static double sample(String scrape, String series) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(line.find()).as("%s in%n%s", series, scrape).isTrue();
        return Double.parseDouble(line.group(1));
    }

    @Test
    void max_forgets_within_three_minutes_while_buckets_and_count_never_do() throws Exception {
        PrometheusMeterRegistry registry = registry();
        String fast = "method=\"GET\",mode=\"virtual\",outcome=\"SUCCESS\",status=\"200\",uri=\"/fast\"";
        String inf = "http_server_requests_seconds_bucket{exception=\"none\"," + fast + ",le=\"+Inf\"}";
        SpindleTest.test(app(registry, null), client -> {
            for (int i = 0; i < 3; i++) {
                client.spec().get("/fast").then().statusCode(200);
            }
            String before = client.spec().get("/metrics").asString();
            assertThat(sample(before, "http_server_requests_seconds_max{exception=\"none\"," + fast + "}")).isPositive();
            assertThat(sample(before, inf)).isEqualTo(3);
            client.spec().get("/metrics/routes").then()
                    .body("routes.find { it.uri == '/fast' }.count", equalTo(3))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.max", greaterThan(0f))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.p99", greaterThan(0f));

            clock.add(Duration.ofMinutes(1));
            assertThat(sample(client.spec().get("/metrics").asString(),
                    "http_server_requests_seconds_max{exception=\"none\"," + fast + "}")).isPositive();

            clock.add(Duration.ofMinutes(2));

            String after = client.spec().get("/metrics").asString();
            assertThat(sample(after, "http_server_requests_seconds_max{exception=\"none\"," + fast + "}")).isZero();
            assertThat(sample(after, inf)).isEqualTo(3);
            assertThat(sample(after, "http_server_requests_seconds_count{exception=\"none\"," + fast + "}")).isEqualTo(3);
            // the JSON caps each percentile at the timer's max, so an idle route reads 0 everywhere but its count
            client.spec().get("/metrics/routes").then()
                    .body("routes.find { it.uri == '/fast' }.count", equalTo(3))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.max", equalTo(0.0f))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.p50", equalTo(0.0f))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.p99", equalTo(0.0f));
        });
    }

    @Test
    void with_observations_the_timer_gains_an_error_tag_and_an_active_task_timer_and_loses_its_buckets() throws Exception {
        PrometheusMeterRegistry registry = registry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(registry));
        SpindleTest.test(app(registry, observations), client -> {
            client.spec().get("/fast").then().statusCode(200);
            client.spec().get("/fast").then().statusCode(200);
            // the observation stops when the exchange ends, just after the client has the response
            await().ignoreExceptions().untilAsserted(() -> assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS)
                    .tags("uri", "/fast", "error", "none").timer().count()).isEqualTo(2));
            // started before routing, so it knows the method only
            assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS + ".active").longTaskTimer().getId().getTags())
                    .extracting(tag -> tag.getKey()).containsExactly("method");
            String scrape = client.spec().get("/metrics").asString();
            assertThat(scrape).contains("http_server_requests_seconds_count{error=\"none\",exception=\"none\"")
                    .contains("http_server_requests_active_seconds_count{method=\"GET\"}")
                    .doesNotContain("http_server_requests_seconds_bucket");
            // without buckets, p50 and p99 fall back to the (decaying) max
            client.spec().get("/metrics/routes").then()
                    .body("routes.find { it.uri == '/fast' }.latencyMs.p50", equalTo(50.0f))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.p99", equalTo(50.0f))
                    .body("routes.find { it.uri == '/fast' }.latencyMs.max", equalTo(50.0f));
        });
    }

    @Test
    void a_meter_filter_gives_the_observed_timer_its_buckets_back() throws Exception {
        PrometheusMeterRegistry registry = registry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals(MeterNames.HTTP_SERVER_REQUESTS)
                        ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
                        : config;
            }
        });
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(registry));
        SpindleTest.test(app(registry, observations), client -> {
            client.spec().get("/fast").then().statusCode(200);
            assertThat(client.spec().get("/metrics").asString()).contains("http_server_requests_seconds_bucket{error=\"none\"");
        });
    }
}
