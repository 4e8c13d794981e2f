package dev.spindle.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.metrics.MeterNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.interactions.Actions;

/**
 * The dashboard in a real browser (headless chromium), against the demo started in each mode on a
 * free loopback port. The timeline is read from the SVG the page draws, never from pixels, and the
 * tests wait for elements to appear, never for a time. Each test saves a screenshot under
 * {@code target/screenshots/}.
 */
class DashboardBrowserTest {

    private static Browser browser;

    @BeforeAll
    static void openBrowser() throws Exception {
        browser = Browser.open();
    }

    @AfterAll
    static void closeBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    private static Spindle start(String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of(flags));
        args.addAll(List.of("--host", "127.0.0.1", "--port", "0"));
        return DemoApp.create(DemoOptions.parse(args)).start(0);
    }

    private static void load(Spindle app) {
        browser.driver.get("http://127.0.0.1:" + app.port() + "/");
        await().atMost(Duration.ofSeconds(30)).until(() -> !browser.driver.findElements(By.cssSelector("#dispatchers tbody tr")).isEmpty());
        browser.consoleErrors(); // from here on, only this page's
    }

    /** Clicks "/slow then 3 × /fast" and waits until the page says the experiment is done. */
    private static void slowThenFast() {
        browser.driver.findElement(By.id("slow-then-fast")).click();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                browser.driver.findElement(By.id("experiment-result")).getText().startsWith("done"));
        assertThat(browser.driver.findElement(By.id("experiment-result")).getText())
                .isEqualTo("done: /slow answered 200, the three /fast 200, 200, 200");
    }

    /** One lane of the timeline as drawn: its key, the routes of its bars, and its waits. */
    record Lane(String key, List<String> bars, List<Wait> waits) {
    }

    /** A hatched wait: the route that waited, the route it waited behind, and its hover text. */
    record Wait(String route, String blocker, String hover) {
    }

    /** The timeline as the page drew it, read in one script so that no redraw falls in between. */
    @SuppressWarnings("unchecked")
    private static List<Lane> timeline() {
        Object read = browser.driver.executeScript("""
                return [...document.querySelectorAll('#timeline g.lane')].map(g => ({
                  key: g.dataset.lane,
                  bars: [...g.querySelectorAll('rect.span')].map(r => r.dataset.route),
                  waits: [...g.querySelectorAll('rect.wait')].map(r => ({
                    route: r.dataset.route, blocker: r.dataset.blocker, hover: r.textContent }))
                }));""");
        return ((List<Map<String, Object>>) read).stream().map(lane -> new Lane((String) lane.get("key"),
                (List<String>) lane.get("bars"), ((List<Map<String, String>>) lane.get("waits")).stream()
                        .map(w -> new Wait(w.get("route"), w.get("blocker"), w.get("hover"))).toList())).toList();
    }

    private static List<Lane> lanesWith(String route) {
        return timeline().stream().filter(lane -> lane.bars().contains(route)).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--single", "--threaded", "--virtual", "--pool=3"})
    void the_page_loads_and_draws_without_console_errors(String flag) throws Exception {
        try (Spindle app = start(flag)) {
            load(app);
            browser.driver.findElement(By.cssSelector("button[data-fire='/fast']")).click();
            await().atMost(Duration.ofSeconds(30)).until(() -> !lanesWith("/fast").isEmpty());
            assertThat(browser.driver.findElement(By.tagName("h1")).getText()).contains(app.threadingMode().shortName());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    browser.driver.findElement(By.id("series-covered")).getText().startsWith("the server has kept"));
            browser.screenshot("dashboard-loaded" + flag.replace("=", "-"));
            // a fresh server: the charts span the seconds kept so far (at least 10), not an empty 5 minutes;
            // both texts read in one script, so that no redraw falls in between
            @SuppressWarnings("unchecked")
            List<String> window = (List<String>) browser.driver.executeScript("return [...['series-span', 'series-covered']"
                    + ".map(id => document.getElementById(id).textContent), document.getElementById('chart-rate').dataset.xRange]");
            Matcher covered = Pattern.compile("the server has kept (\\d+) s so far; the charts grow to 5 min").matcher(window.get(1));
            assertThat(covered.matches()).as(window.get(1)).isTrue();
            int span = Math.max(10, Integer.parseInt(covered.group(1)));
            assertThat(window.get(0)).isEqualTo(span + " s");
            // the x axis: [min, max, latest second charted]; it ends at the latest second
            List<Long> x = Pattern.compile("-?\\d+").matcher(window.get(2)).results().map(m -> Long.parseLong(m.group())).toList();
            assertThat(x).as(window.get(2)).hasSize(3);
            assertThat(x.get(1)).isEqualTo(x.get(2));
            assertThat(x.get(1) - x.get(0)).isEqualTo(span);
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    @Test
    void in_single_mode_three_fast_requests_wait_behind_slow_on_the_one_lane() throws Exception {
        try (Spindle app = start("--single")) {
            load(app);
            slowThenFast();
            await().atMost(Duration.ofSeconds(30)).until(() -> lanesWith("/fast").stream()
                    .anyMatch(lane -> lane.waits().size() == 3));
            browser.screenshot("timeline-single-page");
            browser.screenshot("timeline-single", "timeline-panel");

            List<Lane> lanes = timeline();
            assertThat(lanes).hasSize(1);
            Lane lane = lanes.getFirst();
            assertThat(lane.bars()).containsExactlyInAnyOrder("/slow", "/fast", "/fast", "/fast");
            assertThat(lane.waits()).hasSize(3).allSatisfy(wait -> {
                assertThat(wait.route()).isEqualTo("/fast");
                assertThat(wait.blocker()).isEqualTo("/slow");
                assertThat(wait.hover()).matches("waited [0-9.]+ m?s behind /slow.*");
            });
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    @Test
    void in_virtual_mode_the_three_fast_requests_run_on_lanes_of_their_own_without_waiting() throws Exception {
        try (Spindle app = start("--virtual")) {
            load(app);
            slowThenFast();
            await().atMost(Duration.ofSeconds(30)).until(() -> lanesWith("/fast").size() == 3 && lanesWith("/slow").size() == 1);
            browser.screenshot("timeline-virtual-page");
            browser.screenshot("timeline-virtual", "timeline-panel");

            List<Lane> lanes = timeline();
            assertThat(lanes).hasSize(4).allSatisfy(lane -> {
                assertThat(lane.bars()).hasSize(1);
                assertThat(lane.waits()).isEmpty();
            });
            assertThat(lanes).extracting(lane -> lane.bars().getFirst()).containsExactlyInAnyOrder("/slow", "/fast", "/fast", "/fast");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    /**
     * With a thread per request, 100 concurrent increments overlap in the unsafe counter's 1 ms
     * read-to-write window, so some are lost; the Mutex loses none. (All 100 would have to run one
     * after another, each finishing before the next began, for the unsafe counter to lose none.)
     */
    @Test
    void the_counter_experiment_loses_updates_of_the_unsafe_counter_only() throws Exception {
        try (Spindle app = start("--threaded")) {
            load(app);
            browser.driver.findElement(By.id("counter-100")).click();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    browser.driver.findElement(By.id("counter-result")).getText().startsWith("unsafe counter:"));
            browser.screenshot("counter", "counter-panel");
            Matcher result = Pattern.compile("unsafe counter: (\\d+) of 100 \\((\\d+) lost\\); "
                    + "safe counter \\(Mutex\\): 100 of 100 \\(0 lost\\)")
                    .matcher(browser.driver.findElement(By.id("counter-result")).getText());
            assertThat(result.matches()).as(result.toString()).isTrue();
            assertThat(Integer.parseInt(result.group(2))).isPositive().isEqualTo(100 - Integer.parseInt(result.group(1)));
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    /** A chart's y axis as laid out: its tick labels, each as wide as the browser sets it in the axis font. */
    record YAxis(String chart, List<String> labels, List<Double> widths, double axisLeft, double axisWidth, double chartLeft) {
    }

    @SuppressWarnings("unchecked")
    private static List<YAxis> yAxes() {
        Object read = browser.driver.executeScript("""
                return [...document.querySelectorAll('.chart')].filter(c => c.dataset.yLabels).map(c => {
                  const axis = c.querySelectorAll('.u-axis')[1].getBoundingClientRect();
                  const probe = document.createElement('span');
                  probe.style.font = c.dataset.axisFont;
                  probe.style.whiteSpace = 'pre';
                  probe.style.position = 'absolute';
                  document.body.append(probe);
                  const labels = JSON.parse(c.dataset.yLabels);
                  const widths = labels.map(label => { probe.textContent = label; return probe.getBoundingClientRect().width; });
                  probe.remove();
                  return { chart: c.id, labels: labels, widths: widths, axisLeft: axis.left, axisWidth: axis.width,
                    chartLeft: c.getBoundingClientRect().left };
                });""");
        return ((List<Map<String, Object>>) read).stream().map(axis -> new YAxis((String) axis.get("chart"),
                (List<String>) axis.get("labels"),
                ((List<Number>) axis.get("widths")).stream().map(Number::doubleValue).toList(),
                ((Number) axis.get("axisLeft")).doubleValue(), ((Number) axis.get("axisWidth")).doubleValue(),
                ((Number) axis.get("chartLeft")).doubleValue())).toList();
    }

    private static boolean hasLabelOf(String chart, int characters) {
        return yAxes().stream().filter(axis -> axis.chart().equals(chart))
                .anyMatch(axis -> axis.labels().stream().anyMatch(label -> label.length() >= characters));
    }

    /**
     * uPlot writes y tick labels on its canvas, right-aligned one tick (10 px) and one gap (the page's
     * 5 px) left of the plot: a label wider than its axis element is cut at the chart's left edge.
     * 30,000 requests of 1,234 ms recorded at once (over 12,345 req/s in their second) give labels
     * such as "15,000" and "1,500"; each fits its axis, which lies within its chart. The table under
     * the charts shows the latest second, or the one under the pointer.
     */
    @Test
    void the_charts_draw_large_values_uncut_and_the_table_follows_the_pointer() throws Exception {
        try (Spindle app = start("--virtual")) {
            load(app);
            browser.driver.findElement(By.cssSelector("button[data-fire='/fast']")).click();
            await().atMost(Duration.ofSeconds(30)).until(() -> !lanesWith("/fast").isEmpty());
            MeterRegistry registry = app.meterRegistry().orElseThrow();
            Timer latency = registry.find(MeterNames.HTTP_SERVER_REQUESTS).tag("uri", "/fast").timer();
            Timer queued = registry.find(MeterNames.REQUEST_QUEUED).tag("uri", "/fast").tag("outcome", "started").timer();
            for (int i = 0; i < 30_000; i++) {
                latency.record(Duration.ofMillis(1_234));
                queued.record(Duration.ofMillis(1_234));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> hasLabelOf("chart-rate", "10,000".length())
                    && hasLabelOf("chart-p99", "1,000".length()) && hasLabelOf("chart-queue", "1,000".length()));
            browser.screenshot("charts-large-values", "charts-panel");

            List<YAxis> axes = yAxes();
            assertThat(axes).extracting(YAxis::chart).contains("chart-rate", "chart-p99", "chart-queue", "chart-dispatcher");
            assertThat(axes).allSatisfy(axis -> {
                assertThat(axis.axisLeft()).as(axis.chart()).isGreaterThanOrEqualTo(axis.chartLeft());
                for (int i = 0; i < axis.labels().size(); i++) {
                    assertThat(axis.widths().get(i) + 10 + 5).as(axis.chart() + " label " + axis.labels().get(i))
                            .isLessThanOrEqualTo(axis.axisWidth());
                }
            });

            assertThat(browser.driver.findElement(By.id("series-at")).getText()).startsWith("The latest second, ending ");
            assertThat(browser.driver.findElements(By.cssSelector("#series-values tbody tr")))
                    .anySatisfy(row -> assertThat(row.getText()).startsWith("GET /fast "));
            new Actions(browser.driver).moveToElement(browser.driver.findElement(By.cssSelector("#chart-rate .u-over"))).perform();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    browser.driver.findElement(By.id("series-at")).getText().endsWith("(under the cursor):"));
            new Actions(browser.driver).moveToElement(browser.driver.findElement(By.tagName("h1"))).perform();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    browser.driver.findElement(By.id("series-at")).getText().startsWith("The latest second"));
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    @Test
    void a_started_job_reaches_all_four_panels() throws Exception {
        try (Spindle app = start("--threaded")) {
            load(app);
            browser.driver.findElement(By.id("job-start")).click();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    browser.driver.findElements(By.cssSelector(".job-way[data-state]")).stream()
                            .filter(way -> !way.getDomAttribute("data-state").equals("waiting")).count() == 4);
            browser.screenshot("jobs", "jobs-panel");
            for (String way : List.of("job-poll", "job-longpoll", "job-webhook", "job-sse")) {
                assertThat(browser.driver.findElement(By.id(way)).getDomAttribute("data-state")).as(way).isEqualTo("arrived");
                assertThat(browser.driver.findElement(By.cssSelector("#" + way + " .arrived")).getText()).as(way)
                        .startsWith("SUCCEEDED at +");
            }
            assertThat(browser.driver.findElement(By.cssSelector("#job-webhook .arrived")).getText())
                    .endsWith("ms, pushed by the receiver");
            assertThat(browser.driver.findElement(By.cssSelector("#job-webhook .progress")).getText())
                    .matches("the receiver got it at \\d\\d:\\d\\d:\\d\\d\\.\\d{3}, \\+\\d+ ms \\(server clock\\); signature verified");
            // the delivery came on the receiver's event stream; the page never asked the receiver for it
            @SuppressWarnings("unchecked")
            List<String> fetched = (List<String>) browser.driver.executeScript(
                    "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)");
            assertThat(fetched).filteredOn(path -> path.startsWith(WebhookReceiver.PATH + "/"))
                    .singleElement().asString().matches(WebhookReceiver.PATH + "/[^/]+/events");
            assertThat(browser.driver.findElement(By.id("job-status")).getText()).contains("submitted");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }
}
