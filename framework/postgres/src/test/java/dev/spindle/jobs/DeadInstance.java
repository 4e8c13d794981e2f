package dev.spindle.jobs;

import dev.spindle.jobs.Instances.Gate;
import dev.spindle.jobs.Instances.Instance;
import dev.spindle.locks.Held;
import dev.spindle.postgres.Postgres;
import dev.spindle.postgres.PostgresTesting;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Function;

/**
 * The instance {@link DeadInstanceTest} kills: a child JVM running a Spindle app on the PostgreSQL
 * job store, in the test schema named by its one argument. It holds the mutex named {@link #LOCK} and
 * the only permit of the limiter of that name, runs {@code gate} jobs whose gate is {@code "dead"}
 * until they are interrupted (leased for {@link #LEASE}), and says on stdout {@code port N} once it
 * serves and {@code running} once such a job runs. It exits when its stdin closes, so it never
 * outlives a test JVM that died.
 */
public final class DeadInstance {

    static final String LOCK = "dead-instance";
    static final String GATE = "dead";
    static final Duration LEASE = Duration.ofSeconds(4);

    private DeadInstance() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Postgres db = PostgresTesting.join(args[0], 4);
        Held mutex = db.mutex(LOCK, null).acquire();
        Held permit = db.limiter(LOCK, 1, null).acquire();
        Gate gate = new Gate("child");
        Instances.GATES.put(GATE, gate);
        Instance instance = Instances.start("child", db, true, Function.identity(), settings -> settings.lease(LEASE));
        say("port " + instance.app().port());
        Thread.ofPlatform().daemon().name("dead-instance-running").start(() -> {
            try {
                gate.awaitStarted();
                say("running");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.in.transferTo(OutputStream.nullOutputStream());
        permit.close();
        mutex.close();
        instance.close();
        System.exit(0);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
