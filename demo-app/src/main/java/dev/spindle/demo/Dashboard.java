package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.SpindleConfig;
import dev.spindle.http.EventSink;
import dev.spindle.json.JsonMapper;
import dev.spindle.metrics.RequestSpan;
import dev.spindle.metrics.RequestSpans;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The live dashboard at {@code GET /}: a page (HTML, script and style from the classpath folder
 * {@value #ASSETS}, uPlot from its WebJar, both served by Spindle's static-file support) fed by
 * {@code GET /dashboard/spans}, a server-sent event stream of the app's request spans
 * ({@link Spindle#spans()}) that the page draws as a thread timeline, and {@code GET /dashboard/series},
 * the last five minutes per second ({@link Series}). Every dashboard route runs on
 * the IO thread, so the page stays live even when {@code --single}'s only handler thread is busy.
 * See {@code docs/demo.md}.
 *
 * <p><b>Threading:</b> one daemon thread ("spans pump") polls each open stream's subscription every
 * {@value #PUMP_MILLIS} ms and sends what it found, and takes the series' reading every second;
 * requests only write the ring buffer.
 */
final class Dashboard {

    /** The classpath folder of the page's files, served at {@code /assets}. */
    static final String ASSETS = "dev/spindle/demo/dashboard";
    static final long PUMP_MILLIS = 250;

    /** Routes of the dashboard itself, which the timeline leaves out. */
    static final List<String> OWN_ROUTES = List.of("/", "/dashboard/", "/experiments/", "/metrics", "/assets/", "/webjars/");

    private final Spindle app;
    private final JsonMapper json;
    private final Map<EventSink, RequestSpans.Subscription> streams = new ConcurrentHashMap<>();
    private final ScheduledExecutorService pump;
    private final Series series;

    private Dashboard(Spindle app, JsonMapper json, Series series) {
        this.app = app;
        this.json = json;
        this.series = series;
        this.pump = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spindle-demo-spans-pump");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Serves the page's files: its own folder at {@code /assets}, the WebJars at {@code /webjars}. */
    static void configure(SpindleConfig config) {
        config.staticResources("/assets", ASSETS + "/assets");
        config.staticResources("/webjars", "META-INF/resources/webjars");
    }

    /** Declares {@code GET /} and {@code GET /dashboard/spans} on {@code app}, and stops the pump with it. */
    static void install(Spindle app, String mode) {
        app.install(setup -> {
            Dashboard dashboard = new Dashboard(app, setup.json(), new Series(app, setup.meterRegistry().orElse(null)));
            String page = resource(ASSETS + "/index.html").replace("{{MODE}}", mode).replace("{{UPLOT}}", uplotVersion());
            app.get("/", ctx -> ctx.html(page), route -> route.nonBlocking());
            app.get("/dashboard/spans", ctx -> {
                ctx.eventStream(dashboard::open);
                return null;
            }, route -> route.nonBlocking());
            app.get("/dashboard/series", ctx -> dashboard.series.view(), route -> route.nonBlocking());
            dashboard.pump.scheduleWithFixedDelay(dashboard::pumpAll, PUMP_MILLIS, PUMP_MILLIS, TimeUnit.MILLISECONDS);
            dashboard.pump.scheduleAtFixedRate(() -> dashboard.series.sample(System.currentTimeMillis() / 1000),
                    1000 - System.currentTimeMillis() % 1000, 1000, TimeUnit.MILLISECONDS);
            setup.onStop(dashboard::stop);
        });
    }

    private void open(EventSink sink) {
        RequestSpans.Subscription subscription = app.spans().subscribe();
        streams.put(sink, subscription);
        sink.onClose(() -> {
            streams.remove(sink);
            subscription.close();
        });
    }

    private void pumpAll() {
        long now = app.spans().nowNanos();
        for (Map.Entry<EventSink, RequestSpans.Subscription> stream : streams.entrySet()) {
            List<SpanView> views = new ArrayList<>();
            for (RequestSpan span : stream.getValue().poll()) {
                if (!own(span.route())) {
                    views.add(SpanView.of(span));
                }
            }
            byte[] data = json.write(new SpansEvent(millis(now), views));
            stream.getKey().send("spans", new String(data, StandardCharsets.UTF_8));
        }
    }

    private void stop() {
        pump.shutdownNow();
        streams.values().forEach(RequestSpans.Subscription::close);
        streams.keySet().forEach(EventSink::close);
    }

    static boolean own(String route) {
        for (String prefix : OWN_ROUTES) {
            if (route.equals(prefix) || (prefix.endsWith("/") && prefix.length() > 1 && route.startsWith(prefix))
                    || (!prefix.endsWith("/") && route.startsWith(prefix + "/"))) {
                return true;
            }
        }
        return false;
    }

    /** The uPlot WebJar's version, from its Maven metadata: its files are under {@code /webjars/uplot/VERSION/}. */
    static String uplotVersion() {
        String properties = resource("META-INF/maven/org.webjars.npm/uplot/pom.properties");
        return properties.lines().filter(line -> line.startsWith("version="))
                .map(line -> line.substring("version=".length()).trim()).findFirst()
                .orElseThrow(() -> new IllegalStateException("The uPlot WebJar's pom.properties names no version"));
    }

    static double millis(long nanos) {
        return nanos / 1e6;
    }

    static String resource(String name) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One push of the stream: the server's time now and the spans since the last push, times in ms. */
    record SpansEvent(double now, List<SpanView> spans) {
    }

    /** A span as the page draws it: times in milliseconds since the recorder's origin. */
    record SpanView(long seq, String method, String route, String thread, long threadId, boolean virtual,
                    double ready, double start, double end, int status, String outcome, List<WaitView> waits) {

        static SpanView of(RequestSpan span) {
            List<WaitView> waits = span.waitedBehind().stream()
                    .map(wait -> new WaitView(wait.route(), millis(wait.nanos()))).toList();
            return new SpanView(span.sequence(), span.method(), span.route(), span.thread(), span.threadId(),
                    span.virtual(), millis(span.readyNanos()), millis(span.startNanos()), millis(span.endNanos()),
                    span.status(), span.outcome().name().toLowerCase(Locale.ROOT), waits);
        }
    }

    /** A share of a span's wait: {@code ms} of it behind {@code route}. */
    record WaitView(String route, double ms) {
    }
}
