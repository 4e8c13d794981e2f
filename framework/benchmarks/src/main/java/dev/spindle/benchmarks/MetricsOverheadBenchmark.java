package dev.spindle.benchmarks;

import dev.spindle.internal.metrics.RequestMetrics;
import dev.spindle.internal.metrics.RequestSample;
import dev.spindle.internal.metrics.SpanRing;
import dev.spindle.internal.metrics.SpindleMetrics;
import dev.spindle.internal.routing.Group;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.metrics.RequestSpans;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What Spindle's metrics add to one request that gets a thread at once: the calls the server adapter
 * makes per request (arrived, ready, handler started, handler released, completed), with a
 * Prometheus registry as in the demo versus {@link RequestMetrics#NONE}, for a worker pool (whose
 * dispatcher keeps the blocked-by ledger) and unbounded virtual threads (which keep none); and, with
 * metrics on, with the span recorder of {@code Spindle.spans()} recording (a subscription open, as
 * while the demo's dashboard is watched) or not. Run:
 * {@code java -jar framework/benchmarks/target/benchmarks.jar MetricsOverhead -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsOverheadBenchmark {

    @Param({"off", "on"})
    public String metrics;

    @Param({"pool", "virtual"})
    public String mode;

    /** Whether a subscription is open, so that each request is recorded as a span (only with metrics on). */
    @Param({"off", "on"})
    public String spans;

    private RequestMetrics requestMetrics;
    private Router router;
    private RouteMatch match;
    private RequestSpans.Subscription subscription;
    private final Function<String, String> headers = name -> null;

    @Setup
    public void setUp() {
        Group app = Group.root(() -> false);
        app.get("/fast", ctx -> "fast");
        app.get("/users/{id:int}", ctx -> ctx.pathParam("id"));
        ThreadingMode threading = mode.equals("pool") ? ThreadingMode.workerPool(8, 100) : ThreadingMode.virtualThreads();
        router = Router.compile(app, threading, null, Dispatchers::create);
        match = router.match("GET", "/users/7");
        SpanRing ring = new SpanRing(4096);
        requestMetrics = metrics.equals("on")
                ? SpindleMetrics.create(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null,
                        threading, Duration.ofMillis(5), Duration.ZERO, router, ring)
                : RequestMetrics.NONE;
        subscription = spans.equals("on") ? ring.subscribe() : null;
    }

    @TearDown
    public void tearDown() {
        if (subscription != null) {
            subscription.close();
        }
        requestMetrics.close();
        router.dispatchers().forEach(dispatcher -> dispatcher.shutdownNow());
    }

    @Benchmark
    public RequestSample request() {
        RequestSample sample = requestMetrics.arrived("GET", System.nanoTime(), headers);
        if (sample != null) {
            sample.uri(match.route().uri());
            requestMetrics.ready(sample);
            requestMetrics.handlerStarted(sample, match.route());
        }
        requestMetrics.handlerReleased(sample, match.route());
        if (sample != null) {
            requestMetrics.completed(sample, 200);
        }
        return sample;
    }
}
