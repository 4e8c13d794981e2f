package dev.spindle.locks;

import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: every concurrent history of these operations on a {@link Guarded} counter is
 * linearizable, that is, equals some sequential execution of the same operations. Model checking
 * explores interleavings systematically (switching threads at every shared-memory access), stress
 * mode runs them on real threads. Budgets are small so the suite stays fast.
 */
@Param(name = "delta", gen = IntGen.class, conf = "-2:2")
public class GuardedLincheckTest {

    private final Guarded<Long> counter = Guarded.of("counter", 0L);

    @Operation
    public long increment() {
        return counter.update(v -> v + 1);
    }

    @Operation
    public long add(@Param(name = "delta") int delta) {
        return counter.update(v -> v + delta);
    }

    @Operation
    public long get() {
        return counter.get();
    }

    @Operation
    public boolean isPositive() {
        return counter.read(v -> v > 0);
    }

    @Test
    void model_checking_finds_only_linearizable_histories() {
        new ModelCheckingOptions().iterations(10).invocationsPerIteration(200).check(getClass());
    }

    @Test
    void stress_runs_find_only_linearizable_histories() {
        new StressOptions().iterations(10).invocationsPerIteration(500).check(getClass());
    }
}
