package dev.spindle.jobs;

import dev.spindle.jobs.Instances.Instance;
import dev.spindle.locks.Held;
import dev.spindle.postgres.Postgres;
import dev.spindle.postgres.PostgresLimiter;
import dev.spindle.postgres.PostgresMutex;
import dev.spindle.postgres.PostgresTesting;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * The figures of docs/benchmarks.md's PostgreSQL section, run by hand against the test database
 * (never by the test suite): jobs submitted and completed per second on one and two instances, and
 * how long after A finishes a job a long poll on B answers, uncontended acquire/release round trips
 * per second of the cross-instance locks, and how long a lock released on A takes to reach a waiter
 * on B. With the argument {@code locks}, the lock figures only. See docs/benchmarks.md for the command.
 */
public final class PostgresBenchmark {

    private static final Map<String, CountDownLatch> HELD = new ConcurrentHashMap<>();
    private static final Map<String, CountDownLatch> STARTED = new ConcurrentHashMap<>();
    private static final int WARM_UP = 10;

    record Hold(String key) {
    }

    private PostgresBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        try (PostgresTesting database = PostgresTesting.fresh("bench")) {
            if (args.length > 0 && args[0].equals("locks")) {
                locks(database, 5_000);
                return;
            }
            int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
            int polls = args.length > 1 ? Integer.parseInt(args[1]) : 200;
            for (int instances = 1; instances <= 2; instances++) {
                throughput(database, instances, jobs);
            }
            wakeUps(database, polls);
            locks(database, 5_000);
        }
    }

    private static Instance instance(PostgresTesting database, String name, boolean claims) {
        return Instances.start(name, database.connect(10), true, Function.identity(), settings -> settings
                .claim(claims).kind("hold", Hold.class, (job, hold) -> {
                    STARTED.get(hold.key()).countDown();
                    HELD.get(hold.key()).await();
                    return Map.of("ranOn", name);
                }));
    }

    private static void throughput(PostgresTesting database, int instances, int count) throws Exception {
        List<Instance> running = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            running.add(instance(database, "i" + i, true));
        }
        try {
            clear(running.getFirst().db());
            long start = System.nanoTime();
            List<CompletableFuture<Void>> submitted = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Jobs jobs = running.get(i % instances).jobs();
                submitted.add(CompletableFuture.runAsync(() -> jobs.enqueue("gate", new Instances.GateInput(null), null, null),
                        Instances.HTTP.executor().orElseThrow()));
            }
            CompletableFuture.allOf(submitted.toArray(CompletableFuture[]::new)).join();
            double submitSeconds = (System.nanoTime() - start) / 1e9;
            while (succeeded(running.getFirst().db()) < count) {
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%d instance(s): %d jobs submitted in %.2f s (%.0f/s), all completed in %.2f s (%.0f/s)%n",
                    instances, count, submitSeconds, count / submitSeconds, seconds, count / seconds);
        } finally {
            running.forEach(Instance::close);
        }
    }

    private static void wakeUps(PostgresTesting database, int polls) throws Exception {
        try (Instance a = instance(database, "A", true); Instance b = instance(database, "B", false)) {
            long[] micros = new long[polls];
            for (int i = 0; i < polls; i++) {
                String key = "poll-" + i;
                CountDownLatch release = new CountDownLatch(1);
                HELD.put(key, release);
                CountDownLatch started = new CountDownLatch(1);
                STARTED.put(key, started);
                String id = a.jobs().enqueue("hold", new Hold(key), null, null).id();
                started.await();
                CompletableFuture<HttpResponse<String>> poll = Instances.HTTP.sendAsync(
                        Instances.request(b, "/jobs/" + id + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
                while (b.jobs().waiting() == 0) {
                    Thread.onSpinWait();
                }
                long released = System.nanoTime();
                release.countDown();
                poll.join();
                micros[i] = (System.nanoTime() - released) / 1_000;
                HELD.remove(key);
                STARTED.remove(key);
            }
            Arrays.sort(micros);
            System.out.printf("long poll on B after the job ends on A (%d polls): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    polls, micros[polls / 2] / 1e3, micros[(int) Math.ceil(polls * 0.99) - 1] / 1e3,
                    micros[polls - 1] / 1e3);
        }
    }

    private static void locks(PostgresTesting database, int rounds) throws Exception {
        try (Postgres a = database.connect(4); Postgres b = database.connect(4)) {
            PostgresMutex mutex = a.mutex("bench", null);
            rate("PostgresMutex acquire() + release, uncontended, one thread", rounds, () -> mutex.acquire().close());
            rate("PostgresMutex acquire(5 s) + release, uncontended, one thread", rounds,
                    () -> mutex.acquire(Duration.ofSeconds(5)).close());
            PostgresLimiter limiter = a.limiter("bench", 4, null);
            rate("PostgresLimiter of 4 acquire() + release, uncontended, one thread", rounds, () -> limiter.acquire().close());
            for (int hold : new int[] {10, 100}) {
                int handOffs = 3_000 / hold;
                handOffs("PostgresMutex", hold, handOffs, a.mutex("handoff", null)::acquire, b.mutex("handoff", null)::acquire);
                handOffs("PostgresLimiter of 1", hold, handOffs, a.limiter("handoff", 1, null)::acquire,
                        b.limiter("handoff", 1, null)::acquire);
            }
        }
    }

    @FunctionalInterface
    private interface RoundTrip {
        void run() throws Exception;
    }

    private static void rate(String what, int rounds, RoundTrip roundTrip) throws Exception {
        for (int i = 0; i < rounds; i++) {
            roundTrip.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            roundTrip.run();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %d in %.2f s (%.0f/s)%n", what, rounds, seconds, rounds / seconds);
    }

    /**
     * A thread on instance A and one on B take the lock in turn, each holding it {@code holdMillis}
     * while the other waits: the time from the holder's release to the waiter's acquisition, after
     * {@link #WARM_UP} hand-offs that are not counted (the first wait of a limiter on an instance
     * opens its listening connection).
     */
    private static void handOffs(String what, int holdMillis, int measured, Callable<Held> onA, Callable<Held> onB)
            throws Exception {
        int rounds = WARM_UP + measured + 1;
        AtomicLongArray releasedAt = new AtomicLongArray(rounds);
        long[] micros = new long[rounds - 1];
        CountDownLatch[] acquired = new CountDownLatch[rounds];
        Arrays.setAll(acquired, i -> new CountDownLatch(1));
        try (ExecutorService sides = Executors.newFixedThreadPool(2)) {
            List<Future<?>> done = new ArrayList<>();
            for (int side = 0; side < 2; side++) {
                int first = side;
                Callable<Held> acquire = side == 0 ? onA : onB;
                done.add(sides.submit(() -> {
                    for (int round = first; round < rounds; round += 2) {
                        if (round > 0) {
                            acquired[round - 1].await();
                        }
                        Held held = acquire.call();
                        if (round > 0) {
                            micros[round - 1] = (System.nanoTime() - releasedAt.get(round - 1)) / 1_000;
                        }
                        acquired[round].countDown();
                        Thread.sleep(holdMillis);
                        releasedAt.set(round, System.nanoTime());
                        held.close();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        long[] counted = Arrays.copyOfRange(micros, WARM_UP, micros.length);
        Arrays.sort(counted);
        System.out.printf("%s hand-off from a holder on A to a waiter on B and back, held %d ms (%d): p50 %.2f ms, "
                        + "p99 %.2f ms, max %.2f ms%n", what, holdMillis, counted.length, counted[counted.length / 2] / 1e3,
                counted[(int) Math.ceil(counted.length * 0.99) - 1] / 1e3, counted[counted.length - 1] / 1e3);
    }

    private static void clear(Postgres db) throws Exception {
        try (Connection connection = db.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM spindle_jobs");
        }
    }

    private static int succeeded(Postgres db) throws Exception {
        try (Connection connection = db.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT count(*) FROM spindle_jobs WHERE state = 'SUCCEEDED'")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
