package dev.spindle.locks;

import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck on a tiny bank whose plain {@code long[]} balances are protected only by
 * {@link KeyedLocks}: deposits lock one key, transfers lock keys 0 and 1 through {@code acquireAll},
 * named in opposite orders by the two transfer operations, audits lock all three. Linearizability shows per-key exclusion
 * and that multi-key sections are atomic; model checking also reports any deadlock it can reach,
 * which opposite-order transfers would produce without the global order.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:2")
public class KeyedLocksLincheckTest {

    private final KeyedLocks<Integer> locks = KeyedLocks.create("bank");
    private final long[] balances = new long[3];

    @Operation
    public void deposit(@Param(name = "key") int key) {
        try (var held = locks.acquire(key)) {
            balances[key] += 10;
        }
    }

    @Operation
    public void transferForward() {
        try (var held = locks.acquireAll(0, 1)) {
            balances[0] -= 1;
            balances[1] += 1;
        }
    }

    @Operation
    public void transferBackward() {
        try (var held = locks.acquireAll(1, 0)) {
            balances[1] -= 1;
            balances[0] += 1;
        }
    }

    @Operation
    public long balance(@Param(name = "key") int key) {
        try (var held = locks.acquire(key)) {
            return balances[key];
        }
    }

    @Operation
    public long audit() {
        try (var held = locks.acquireAll(List.of(2, 0, 1))) {
            return balances[0] + balances[1] + balances[2];
        }
    }

    @Test
    void model_checking_finds_only_linearizable_deadlock_free_histories() {
        new ModelCheckingOptions().iterations(4).invocationsPerIteration(60).actorsPerThread(3).check(getClass());
    }

    @Test
    void stress_runs_find_only_linearizable_histories() {
        new StressOptions().iterations(10).invocationsPerIteration(500).check(getClass());
    }
}
