package dev.spindle.benchmarks;

import dev.spindle.internal.routing.Group;
import dev.spindle.internal.routing.RouteMatch;
import dev.spindle.internal.routing.Router;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import java.util.concurrent.TimeUnit;
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
 * {@link Router#match} over 100 routes, as an IO thread calls it for every request: 50 static
 * ({@code /static/s7/list}) and 50 parameterised ({@code /api/r7/{id:int}},
 * {@code /api/r7/{id:int}/items/{name}}), declared alternately. The paths hit the first route
 * declared, the 50th, the 100th, and none (404). Run:
 * {@code java -jar framework/benchmarks/target/benchmarks.jar RouteMatch -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {

    @Param({"/static/s0/list", "/api/r24/8071", "/api/r49/8071/items/report", "/api/r50/8071"})
    public String path;

    private Router router;

    @Setup
    public void setUp() {
        Group app = Group.root(() -> false);
        for (int i = 0; i < 50; i++) {
            app.get("/static/s" + i + "/list", ctx -> "static");
            if (i % 2 == 0) {
                app.get("/api/r" + i + "/{id:int}", ctx -> ctx.pathParam("id"));
            } else {
                app.get("/api/r" + i + "/{id:int}/items/{name}", ctx -> ctx.pathParam("name"));
            }
        }
        router = Router.compile(app, ThreadingMode.virtualThreads(), null, Dispatchers::create);
        if (router.routes().size() != 100) {
            throw new IllegalStateException("expected 100 routes, got " + router.routes().size());
        }
    }

    @TearDown
    public void tearDown() {
        router.dispatchers().forEach(dispatcher -> dispatcher.shutdownNow());
    }

    @Benchmark
    public RouteMatch match() {
        return router.match("GET", path, false);
    }
}
