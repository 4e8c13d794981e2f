package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.spindle.Spindle;
import dev.spindle.metrics.MeterNames;
import dev.spindle.testing.SpindleTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.restassured.response.Response;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's server side over HTTP: the span stream, the kept series, the ordered experiment,
 * {@code /whoami}, and the page's files from the classpath and the uPlot WebJar with ETags.
 */
class DashboardTest {

    private static DemoOptions options(String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of(flags));
        args.addAll(List.of("--port", "0"));
        return DemoOptions.parse(args);
    }

    @Test
    void the_span_stream_sends_each_request_of_the_app_and_none_of_the_dashboard() throws Exception {
        SpindleTest.test(DemoApp.create(options("--pool=2")), client -> {
            HttpResponse<InputStream> stream = client.http().send(client.request("/dashboard/spans").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            try (BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertThat(events.readLine()).isEqualTo("event:spans"); // the first push, perhaps empty
                client.spec().get("/metrics/routes").then().statusCode(200);
                client.spec().get("/fast").then().statusCode(200);
                String line;
                String fast = null;
                while (fast == null && (line = events.readLine()) != null) {
                    if (line.startsWith("data:") && line.contains("\"route\":\"/fast\"")) {
                        fast = line;
                    }
                    assertThat(line).doesNotContain("\"route\":\"/metrics");
                }
                assertThat(fast).contains("\"thread\":\"spindle-pool-app-", "\"outcome\":\"ran\"", "\"waits\":[]");
            }
        });
    }

    @Test
    void the_ordered_experiment_answers_once_slow_and_the_three_fast_behind_it_have() throws Exception {
        SpindleTest.test(DemoApp.create(options("--single")), client ->
                client.spec().post("/experiments/slow-then-fast").then().statusCode(200)
                        .body("slow", equalTo(200)).body("fast", contains(200, 200, 200)));
    }

    @Test
    void the_counter_experiment_loses_no_update_of_the_safe_counter_and_none_at_all_in_single_mode() throws Exception {
        SpindleTest.test(DemoApp.create(options("--threaded")), client ->
                client.spec().post("/experiments/counter").then().statusCode(200)
                        .body("increments", equalTo(100)).body("safe", equalTo(100)).body("safeLost", equalTo(0)));
        SpindleTest.test(DemoApp.create(options("--single")), client ->
                client.spec().post("/experiments/counter").then().statusCode(200)
                        .body("unsafe", equalTo(100)).body("unsafeRan", equalTo(100)).body("unsafeLost", equalTo(0))
                        .body("safe", equalTo(100)));
    }

    @Test
    void whoami_names_the_thread_that_ran_the_request() throws Exception {
        SpindleTest.test(DemoApp.create(options("--virtual")), client ->
                client.spec().get("/whoami").then().statusCode(200)
                        .body("thread", startsWith("spindle-virtual-app")).body("virtual", equalTo(true))
                        .body("mode", equalTo("virtual")));
        SpindleTest.test(DemoApp.create(options("--pool=2")), client ->
                client.spec().get("/whoami").then().statusCode(200)
                        .body("thread", startsWith("spindle-pool-app-")).body("virtual", equalTo(false)));
    }

    @Test
    void the_series_keep_each_second_and_say_when_a_route_had_no_request_in_the_window() throws Exception {
        SpindleTest.test(DemoApp.create(options("--threaded")), client -> {
            client.spec().get("/fast").then().statusCode(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> client.spec().get("/dashboard/series").then()
                    .extract().path("routes.'GET /fast'.rate") instanceof List<?> rate
                    && rate.stream().mapToDouble(n -> ((Number) n).doubleValue()).sum() == 1.0);
            Response series = client.spec().get("/dashboard/series");
            series.then().statusCode(200).body("windowSeconds", equalTo(Series.SECONDS))
                    .body("window.'GET /fast'.requests", equalTo(1));
            List<Object> times = series.path("times");
            assertThat(times).isNotEmpty();
            assertThat(series.<List<Object>>path("routes.'GET /fast'.p99")).hasSameSizeAs(times);
            assertThat(series.<Object>path("window.'GET /slow'")).isNull();
        });
    }

    /**
     * A series of its own, read once and never again, so that the request below falls after its last
     * reading: the window still counts it, since it ends when asked, while no second has a value for it.
     */
    @Test
    void the_window_counts_a_request_answered_after_the_last_reading() throws Exception {
        Spindle app = DemoApp.create(options("--threaded"));
        SpindleTest.test(app, client -> {
            MeterRegistry registry = app.meterRegistry().orElseThrow();
            Series series = new Series(app, registry);
            series.sample(System.currentTimeMillis() / 1000);
            client.spec().get("/fast").then().statusCode(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> registry.find(MeterNames.HTTP_SERVER_REQUESTS)
                    .tag("uri", "/fast").timers().stream().mapToLong(Timer::count).sum() == 1);

            Series.View view = series.view();
            assertThat(view.times()).hasSize(1);
            assertThat(view.routes()).doesNotContainKey("GET /fast");
            assertThat(view.window().get("GET /fast").requests()).isEqualTo(1);
            assertThat(view.window().get("GET /fast").p99()).isNotNull();
        });
    }

    @Test
    void the_page_and_its_files_are_served_from_the_classpath_with_etags() throws Exception {
        SpindleTest.test(DemoApp.create(options("--single")), client -> {
            String page = client.spec().get("/").then().statusCode(200).contentType("text/html; charset=UTF-8")
                    .extract().asString();
            String uplot = "/webjars/uplot/" + Dashboard.uplotVersion() + "/dist/uPlot.iife.min.js";
            assertThat(page).contains(uplot, "/assets/dashboard.js").doesNotContain("{{", "src=\"http", "href=\"http");
            for (String file : List.of(uplot, "/assets/dashboard.js", "/assets/dashboard.css")) {
                String etag = client.spec().get(file).then().statusCode(200).extract().header("ETag");
                assertThat(etag).as(file).isNotBlank();
                client.spec().header("If-None-Match", etag).get(file).then().statusCode(304);
            }
        });
    }
}
