package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded randomized stress with invariant checks, in place of a Lincheck model check (see
 * {@code docs/locks.md} for why). Each worker draws its operations from {@code new Random(seed, worker)},
 * so a failing seed replays the same operation sequences; the thread interleaving is the
 * scheduler's and differs from run to run, which is what a stress test is for. Half the workers are
 * virtual threads, half platform threads.
 */
class LockStressTest {

    private static final int WORKERS = 8;
    private static final int OPERATIONS = 10_000;
    private static final int KEYS = 12;

    /** Per-key mutual exclusion, reclamation and metrics under random single, timed, try, nested and multi-key acquisitions. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 42L, 20_261_127L})
    void keyed_locks_keep_every_key_exclusive_and_reclaim_every_key(long seed) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KeyedLocks<Integer> locks = KeyedLocks.<Integer>builder("stress").meterRegistry(registry).build();
        AtomicReferenceArray<Thread> owners = new AtomicReferenceArray<>(KEYS);
        long[] entries = new long[KEYS];
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger timeouts = new AtomicInteger();
        long[][] expected = new long[WORKERS][KEYS];
        long[] acquisitions = new long[WORKERS];

        runWorkers(seed, (worker, random) -> {
            for (int op = 0; op < OPERATIONS; op++) {
                List<Integer> keys = randomKeys(random);
                Held held;
                int kind = random.nextInt(5);
                try {
                    held = switch (kind) {
                        case 0 -> locks.acquire(keys.getFirst());
                        case 1 -> locks.tryAcquire(keys.getFirst()).orElse(null);
                        case 2 -> locks.acquire(keys.getFirst(), Duration.ZERO);
                        case 3 -> locks.acquireAll(keys);
                        default -> locks.acquireAll(Duration.ofMillis(random.nextInt(2)), keys);
                    };
                } catch (LockTimeoutException e) {
                    timeouts.incrementAndGet();
                    continue;
                }
                if (held == null) {
                    continue;
                }
                List<Integer> mine = kind == 3 || kind == 4 ? keys.stream().distinct().toList() : List.of(keys.getFirst());
                acquisitions[worker] += mine.size();
                try (held) {
                    for (int key : mine) {
                        if (!owners.compareAndSet(key, null, Thread.currentThread())) {
                            violations.incrementAndGet();
                        }
                        entries[key]++;
                        expected[worker][key]++;
                    }
                    if (random.nextInt(4) == 0) {
                        int key = mine.getFirst();
                        try (var again = locks.acquire(key, Duration.ZERO)) {
                            acquisitions[worker]++;
                            if (!locks.isHeldByCurrentThread(key)) {
                                violations.incrementAndGet();
                            }
                        }
                    }
                    if (random.nextInt(8) == 0) {
                        Thread.yield();
                    }
                    for (int key : mine) {
                        if (!owners.compareAndSet(key, Thread.currentThread(), null)) {
                            violations.incrementAndGet();
                        }
                    }
                }
            }
        });

        assertThat(violations.get()).as("two threads inside one key's section (seed %d)", seed).isZero();
        try (var all = locks.acquireAll(range())) {
            for (int key = 0; key < KEYS; key++) {
                long sum = 0;
                for (long[] perWorker : expected) {
                    sum += perWorker[key];
                }
                assertThat(entries[key]).as("entries of key %d (seed %d)", key, seed).isEqualTo(sum);
            }
        }
        assertThat(locks.activeKeys()).as("keys left mapped (seed %d)", seed).isZero();
        long total = 0;
        for (long count : acquisitions) {
            total += count;
        }
        // A timed acquireAll that gives up has held (and released) the keys it got before the deadline, so
        // there can be more acquisitions than successful sections; but every acquisition is released once.
        long waits = registry.get(LockMeters.WAIT).timer().count();
        assertThat(waits).as("wait samples").isGreaterThanOrEqualTo(total + KEYS);
        assertThat(registry.get(LockMeters.HELD).timer().count()).as("held samples: one per acquisition").isEqualTo(waits);
        assertThat(registry.get(LockMeters.TIMEOUTS).counter().count()).as("timeouts").isEqualTo(timeouts.get());
    }

    /** A transfer between two balances keeps their sum, and every reader sees a consistent, never older, state. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7L, 99L, 20_261_127L})
    void guarded_transfers_keep_the_total_and_readers_never_see_half_an_update(long seed) throws Exception {
        record Balances(long a, long b, long version) {
        }
        Guarded<Balances> balances = Guarded.of("balances", new Balances(500, 500, 0));
        AtomicInteger inconsistent = new AtomicInteger();
        AtomicInteger wentBack = new AtomicInteger();
        long[] updates = new long[WORKERS];

        runWorkers(seed, (worker, random) -> {
            long lastSeen = -1;
            for (int op = 0; op < OPERATIONS; op++) {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        long amount = random.nextInt(21) - 10;
                        balances.update(v -> new Balances(v.a() - amount, v.b() + amount, v.version() + 1));
                        updates[worker]++;
                    }
                    case 1 -> {
                        long amount = random.nextInt(21) - 10;
                        balances.mutate(v -> {
                            if (v.a() + v.b() != 1_000) {
                                inconsistent.incrementAndGet();
                            }
                        });
                        long version = balances.update(v -> new Balances(v.a() + amount, v.b() - amount, v.version() + 1)).version();
                        updates[worker]++;
                        if (version <= lastSeen) {
                            wentBack.incrementAndGet();
                        }
                        lastSeen = version;
                    }
                    default -> {
                        Balances seen = balances.get();
                        if (seen.a() + seen.b() != 1_000) {
                            inconsistent.incrementAndGet();
                        }
                        if (seen.version() < lastSeen) {
                            wentBack.incrementAndGet();
                        }
                        lastSeen = seen.version();
                    }
                }
            }
        });

        long total = 0;
        for (long count : updates) {
            total += count;
        }
        Balances end = balances.get();
        assertThat(inconsistent.get()).as("reads of a half-done transfer (seed %d)", seed).isZero();
        assertThat(wentBack.get()).as("a thread saw an older version after a newer one (seed %d)", seed).isZero();
        assertThat(end.a() + end.b()).isEqualTo(1_000);
        assertThat(end.version()).as("every update applied exactly once (seed %d)", seed).isEqualTo(total);
    }

    @FunctionalInterface
    private interface Worker {
        void run(int worker, Random random) throws Exception;
    }

    private static void runWorkers(long seed, Worker body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(WORKERS);
        List<TestThreads.Task<Object>> tasks = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int worker = w;
            Random random = new Random(seed * 1_000_003L + worker);
            Callable<Object> task = () -> {
                start.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                body.run(worker, random);
                return null;
            };
            if (worker % 2 == 0) {
                tasks.add(TestThreads.start("stress-" + worker, task));
            } else {
                var future = new FutureTask<>(task);
                tasks.add(new TestThreads.Task<>(Thread.ofVirtual().name("stress-" + worker).start(future), future));
            }
        }
        for (var task : tasks) {
            task.join();
        }
    }

    private static List<Integer> randomKeys(Random random) {
        int count = 1 + random.nextInt(3);
        List<Integer> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add(random.nextInt(KEYS));
        }
        return keys;
    }

    private static List<Integer> range() {
        List<Integer> all = new ArrayList<>(KEYS);
        for (int key = 0; key < KEYS; key++) {
            all.add(key);
        }
        return all;
    }
}
