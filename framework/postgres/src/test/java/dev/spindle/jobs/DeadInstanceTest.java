package dev.spindle.jobs;

import static dev.spindle.jobs.Instances.RUNS;
import static dev.spindle.jobs.Instances.at;
import static dev.spindle.jobs.Instances.json;
import static dev.spindle.jobs.Instances.request;
import static dev.spindle.jobs.Instances.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.jobs.Instances.Instance;
import dev.spindle.locks.Held;
import dev.spindle.postgres.PostgresLimiter;
import dev.spindle.postgres.PostgresMutex;
import dev.spindle.postgres.PostgresTesting;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Instance A is a child JVM ({@link DeadInstance}) killed with SIGKILL while it runs a job and holds
 * a {@link PostgresMutex} and a {@link PostgresLimiter} permit: no shutdown hook, no unlock, no
 * graceful cancel. PostgreSQL notices its connections closed and drops its locks; its job's lease
 * lapses and the surviving instance B, in this JVM, applies the lease policy and runs it again.
 */
class DeadInstanceTest {

    @Test
    void an_instance_killed_mid_job_loses_its_locks_and_its_job_runs_again_on_the_survivor() throws Exception {
        try (PostgresTesting database = PostgresTesting.fresh("dead");
             Child a = Child.start(database.schema())) {
            int port = Integer.parseInt(a.await("port ").substring("port ".length()));
            HttpResponse<String> accepted = Instances.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/work?gate=" + DeadInstance.GATE))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String id = (String) json(accepted.body()).get("id");
            a.await("running");

            try (Instance b = Instances.start("B", database.connect(4), true, Function.identity(), settings -> settings
                    .leaseAttempts(3, Duration.ZERO).resync(Duration.ofMillis(100)))) {
                PostgresMutex mutex = b.db().mutex(DeadInstance.LOCK, null);
                PostgresLimiter limiter = b.db().limiter(DeadInstance.LOCK, 1, null);
                assertThat(mutex.tryAcquire()).as("A holds the mutex").isEmpty();
                assertThat(limiter.available()).as("A holds the only permit").isZero();
                assertThat(json(send(request(b, "/jobs/" + id)).body()).get("state")).isEqualTo("RUNNING");
                CompletableFuture<Held> permit = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        permit.complete(limiter.acquire(Duration.ofSeconds(90)));
                    } catch (Throwable e) {
                        permit.completeExceptionally(e);
                    }
                });

                assertThat(a.kill()).as("killed by SIGKILL: 128 + 9").isEqualTo(137);

                try (Held held = mutex.acquire(Duration.ofSeconds(90))) {
                    assertThat(mutex.isHeldByCurrentThread()).isTrue();
                }
                permit.get(90, TimeUnit.SECONDS).close();

                Map<String, Object> done = json(send(request(b, "/jobs/" + id + "?wait=60s")).body());
                assertThat(done.get("state")).isEqualTo("SUCCEEDED");
                assertThat(at(done, "result.ranOn")).isEqualTo("B");
                assertThat(RUNS.get(id)).as("run once here, after once on A").isEqualTo(1);
                assertThat(attempts(b, id)).as("claimed by A, then by B after A's lease lapsed").isEqualTo(2);
            }
        }
    }

    private static int attempts(Instance instance, String id) throws Exception {
        try (Connection connection = instance.db().dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("SELECT attempts FROM spindle_jobs WHERE id = ?")) {
            statement.setString(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** A child JVM running {@link DeadInstance} with this JVM's java and class path; its stdout and stderr read line by line. */
    private static final class Child implements AutoCloseable {
        private final Process process;
        private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> output = new CopyOnWriteArrayList<>();

        private Child(Process process) {
            this.process = process;
            Thread.ofPlatform().daemon().name("dead-instance-output").start(() -> {
                try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        output.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    output.add("(reading the output failed: " + e + ")");
                }
            });
        }

        static Child start(String schema) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            return new Child(new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), DeadInstance.class.getName(), schema)
                    .redirectErrorStream(true).start());
        }

        /** The first line not read yet that starts with {@code prefix}, waiting for it. */
        String await(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("the child never said '" + prefix + "'; it said: " + output);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        }

        /** SIGKILL ({@link Process#destroyForcibly()} on Linux); its exit status. */
        int kill() throws InterruptedException {
            process.destroyForcibly();
            return process.waitFor();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                kill();
            }
        }
    }
}
