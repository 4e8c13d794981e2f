package dev.spindle.internal.server;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-flight count every request moves twice, from two threads at once as two IO threads do:
 * what a shared counter costs when both cores touch it. In this package because the counter is
 * package-private; benchmarks run on the class path. Run:
 * {@code java -jar framework/benchmarks/target/benchmarks.jar InFlight}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class InFlightBenchmark {

    private final InFlightRequests inFlight = new InFlightRequests();

    @Benchmark
    public void beginAndEnd() {
        inFlight.begin();
        inFlight.end();
    }
}
