package dev.spindle.jobs;

import dev.spindle.jobs.Instances.Instance;
import dev.spindle.postgres.Postgres;
import dev.spindle.postgres.PostgresMutex;
import dev.spindle.postgres.PostgresTesting;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The figures of docs/benchmarks.md's PostgreSQL section, run by hand against the test database
 * (never by the test suite): jobs submitted and completed per second on one and two instances, and
 * how long after A finishes a job a long poll on B answers, and uncontended {@code PostgresMutex}
 * acquire/release round trips per second. See docs/benchmarks.md for the command.
 */
public final class PostgresBenchmark {

    private static final Map<String, CountDownLatch> HELD = new ConcurrentHashMap<>();

    record Hold(String key) {
    }

    private PostgresBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int polls = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (PostgresTesting database = PostgresTesting.fresh("bench")) {
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
                String id = a.jobs().enqueue("hold", new Hold(key), null, null).id();
                while (a.jobs().find(id).orElseThrow().state() != JobState.RUNNING) {
                    Thread.sleep(1);
                }
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
            }
            Arrays.sort(micros);
            System.out.printf("long poll on B after the job ends on A (%d polls): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    polls, micros[polls / 2] / 1e3, micros[(int) Math.ceil(polls * 0.99) - 1] / 1e3,
                    micros[polls - 1] / 1e3);
        }
    }

    private static void locks(PostgresTesting database, int rounds) throws Exception {
        try (Postgres db = database.connect(4)) {
            PostgresMutex mutex = db.mutex("bench", null);
            for (int i = 0; i < rounds / 10; i++) {
                mutex.acquire().close();
            }
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                mutex.acquire().close();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("PostgresMutex acquire + release, one thread: %d in %.2f s (%.0f/s)%n",
                    rounds, seconds, rounds / seconds);
        }
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
