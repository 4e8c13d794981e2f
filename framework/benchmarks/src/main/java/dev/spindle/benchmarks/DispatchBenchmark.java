package dev.spindle.benchmarks;

import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.internal.threading.Dispatchers;
import dev.spindle.threading.ThreadingMode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
 * One hand-over per mode: a platform thread (as an IO thread does) gives a no-op task to the
 * dispatcher and parks until the task has run on the dispatcher's thread and woken it. So each
 * operation pays admission, thread start or queue hand-over, the wake-up of the handler thread, and
 * the wake-up back: the round trip a request's dispatch costs, without HTTP. Run:
 * {@code java -jar framework/benchmarks/target/benchmarks.jar Dispatch -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {

    @Param({"single", "pool", "threaded", "virtual"})
    public String mode;

    private Dispatcher dispatcher;

    @Setup
    public void setUp() {
        ThreadingMode threading = switch (mode) {
            case "single" -> ThreadingMode.singleThreaded();
            case "pool" -> ThreadingMode.workerPool(8, 100);
            case "threaded" -> ThreadingMode.threadPerRequest();
            case "virtual" -> ThreadingMode.virtualThreads();
            default -> throw new IllegalArgumentException(mode);
        };
        dispatcher = Dispatchers.create(threading, "app");
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        dispatcher.shutdown();
        dispatcher.awaitTermination(java.time.Duration.ofSeconds(5));
    }

    @Benchmark
    public boolean dispatch() {
        Handover task = new Handover(Thread.currentThread());
        dispatcher.execute(task);
        while (!task.ran) {
            LockSupport.park(task);
        }
        return task.ran;
    }

    /** Runs nothing but the wake-up of the thread that dispatched it. */
    private static final class Handover implements Dispatcher.Task {
        private final Thread waiter;
        volatile boolean ran;

        Handover(Thread waiter) {
            this.waiter = waiter;
        }

        @Override
        public void run() {
            ran = true;
            LockSupport.unpark(waiter);
        }
    }
}
