package dev.spindle.jobs;

import static dev.spindle.jobs.Instances.GATES;
import static dev.spindle.jobs.Instances.RUNS;
import static dev.spindle.jobs.Instances.at;
import static dev.spindle.jobs.Instances.await;
import static dev.spindle.jobs.Instances.json;
import static dev.spindle.jobs.Instances.request;
import static dev.spindle.jobs.Instances.send;
import static dev.spindle.jobs.Instances.submit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spindle.jobs.Instances.Gate;
import dev.spindle.jobs.Instances.Instance;
import dev.spindle.postgres.PostgresTesting;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several Spindle apps in one JVM sharing one PostgreSQL schema stand for the instances of a service
 * behind a load balancer: what a client does on one must hold on the others.
 */
class MultiInstanceJobsTest {

    private static final Duration NEVER = Duration.ofHours(1);
    private static PostgresTesting database;

    @BeforeAll
    static void schema() {
        database = PostgresTesting.fresh("multi");
    }

    @AfterAll
    static void drop() throws Exception {
        database.close();
    }

    private static Instance instance(String name, boolean runs, Function<JobStore, JobStore> store,
                                     java.util.function.Consumer<JobSettings> setup) {
        return Instances.start(name, database.connect(4), runs, store, setup);
    }

    /** An instance that claims no jobs and never re-reads on its own: only a notification can wake it. */
    private static Instance follower(String name) {
        return instance(name, true, Function.identity(), settings -> settings.resync(NEVER).claim(false));
    }

    @Test
    void a_long_poll_and_an_event_stream_on_b_wake_when_a_finishes_the_job() throws Exception {
        Gate gate = new Gate("A");
        GATES.put("wake", gate);
        try (Instance a = instance("A", true, Function.identity(), settings -> { });
             Instance b = follower("B")) {
            String id = submit(a, "wake");
            gate.awaitStarted();

            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            Instances.HTTP.sendAsync(request(b, "/jobs/" + id + "/events").header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofLines()).thenAccept(response -> response.body().forEach(events::add));
            assertThat(nextData(events)).contains("\"type\":\"progress\"").contains("\"percent\":10");

            CompletableFuture<HttpResponse<String>> poll = Instances.HTTP.sendAsync(
                    request(b, "/jobs/" + id + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> b.jobs().waiting() == 1);
            assertThat(poll).isNotDone();

            gate.release.countDown();
            Map<String, Object> done = json(poll.get(30, TimeUnit.SECONDS).body());
            assertThat(done.get("state")).isEqualTo("SUCCEEDED");
            assertThat(at(done, "result.ranOn")).isEqualTo("A");
            // The stream on B re-reads the row when notified: it may skip changes made meanwhile (90 %), never the end.
            String data = nextData(events);
            while (data.contains("\"type\":\"progress\"")) {
                assertThat(data).contains("\"percent\":90");
                data = nextData(events);
            }
            assertThat(data).contains("\"type\":\"result\"").contains("\"ranOn\":\"A\"");
        } finally {
            GATES.remove("wake");
        }
    }

    @Test
    void delete_on_c_cancels_the_job_running_on_a_and_interrupts_its_work() throws Exception {
        Gate gate = new Gate("A");
        GATES.put("cancel", gate);
        try (Instance a = instance("A", true, Function.identity(), settings -> { });
             Instance b = follower("B");
             Instance c = follower("C")) {
            String id = submit(a, "cancel");
            gate.awaitStarted();
            CompletableFuture<HttpResponse<String>> poll = Instances.HTTP.sendAsync(
                    request(b, "/jobs/" + id + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> b.jobs().waiting() == 1);

            HttpResponse<String> cancelled = send(request(c, "/jobs/" + id).DELETE());
            assertThat(cancelled.statusCode()).isEqualTo(200);
            assertThat(json(cancelled.body()).get("state")).isEqualTo("CANCELLED");

            await(gate.interrupted, "A's work was never interrupted");
            assertThat(json(poll.get(30, TimeUnit.SECONDS).body()).get("state")).isEqualTo("CANCELLED");
            assertThat(json(send(request(a, "/jobs/" + id)).body()).get("state")).isEqualTo("CANCELLED");
        } finally {
            GATES.remove("cancel");
        }
    }

    @Test
    void a_job_whose_instance_stops_renewing_its_lease_is_run_again_by_another() throws Exception {
        Gate gate = new Gate("A");
        GATES.put("stall", gate);
        try (Instance a = instance("A", true, Instances::withoutHeartbeat, settings -> settings
                .lease(Duration.ofMillis(500)).resync(NEVER))) {
            String id = submit(a, "stall");
            gate.awaitStarted();
            try (Instance b = instance("B", true, Function.identity(), settings -> settings
                    .lease(Duration.ofSeconds(30)).leaseAttempts(3, Duration.ZERO).resync(Duration.ofMillis(100)))) {
                Map<String, Object> done = json(send(request(b, "/jobs/" + id + "?wait=60s")).body());
                assertThat(done.get("state")).isEqualTo("SUCCEEDED");
                assertThat(at(done, "result.ranOn")).isEqualTo("B");
                await(gate.interrupted, "A's work was never interrupted after it lost its lease");
                // A stalls only its heartbeat: it may claim the requeued job again before B does, and lose it again.
                assertThat(RUNS.get(id)).isGreaterThanOrEqualTo(2);

                gate.release.countDown();
                assertThat(json(send(request(a, "/jobs/" + id)).body()).get("state")).isEqualTo("SUCCEEDED");
                assertThat(at(json(send(request(a, "/jobs/" + id)).body()), "result.ranOn")).isEqualTo("B");
            }
        } finally {
            GATES.remove("stall");
        }
    }

    @Test
    void a_job_whose_lease_lapses_on_its_last_attempt_fails_with_lease_expired() throws Exception {
        Gate gate = new Gate("A");
        GATES.put("lapse", gate);
        try (Instance a = instance("A", true, Instances::withoutHeartbeat, settings -> settings
                .lease(Duration.ofMillis(300)).leaseAttempts(1, Duration.ZERO).resync(Duration.ofMillis(100)))) {
            String id = submit(a, "lapse");
            gate.awaitStarted();
            Map<String, Object> failed = json(send(request(a, "/jobs/" + id + "?wait=60s")).body());
            assertThat(failed.get("state")).isEqualTo("FAILED");
            assertThat(at(failed, "error.type")).isEqualTo("lease-expired");
            await(gate.interrupted, "the stalled work was never interrupted");
        } finally {
            GATES.remove("lapse");
        }
    }

    @Test
    void jobs_queued_on_an_instance_that_stops_run_on_one_that_starts_later() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Instance web = follower("web")) {
            for (int i = 0; i < 3; i++) {
                ids.add(submit(web, null));
            }
        }
        try (Instance worker = instance("worker", true, Function.identity(), settings -> { })) {
            for (String id : ids) {
                Map<String, Object> done = json(send(request(worker, "/jobs/" + id + "?wait=60s")).body());
                assertThat(done.get("state")).isEqualTo("SUCCEEDED");
                assertThat(at(done, "result.ranOn")).isEqualTo("worker");
            }
        }
    }

    @Test
    void two_instances_share_the_queue_and_run_each_job_exactly_once() throws Exception {
        try (Instance a = instance("A", true, Function.identity(), settings -> { });
             Instance b = instance("B", true, Function.identity(), settings -> { })) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                ids.add(submit(i % 2 == 0 ? a : b, null));
            }
            for (String id : ids) {
                Map<String, Object> done = json(send(request(a, "/jobs/" + id + "?wait=60s")).body());
                assertThat(done.get("state")).isEqualTo("SUCCEEDED");
                assertThat(RUNS.get(id)).isEqualTo(1);
            }
        }
    }

    @Test
    void stopping_b_answers_its_long_polls_on_a_job_that_a_runs() throws Exception {
        Gate gate = new Gate("A");
        GATES.put("stop", gate);
        try (Instance a = instance("A", true, Function.identity(), settings -> { })) {
            String id = submit(a, "stop");
            gate.awaitStarted();
            Instance b = follower("B");
            CompletableFuture<HttpResponse<String>> poll = Instances.HTTP.sendAsync(
                    request(b, "/jobs/" + id + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> b.jobs().waiting() == 1);
            b.close();
            HttpResponse<String> answered = poll.get(30, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).isEqualTo(200);
            assertThat(json(answered.body()).get("state")).isEqualTo("RUNNING");
            gate.release.countDown();
        } finally {
            GATES.remove("stop");
        }
    }

    @Test
    void a_shared_store_refuses_lambda_jobs_which_no_other_instance_could_run() throws Exception {
        try (Instance a = follower("A")) {
            assertThatThrownBy(() -> a.jobs().submit("lambda", null, null, job -> null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("registered kinds");
        }
    }

    /** The next {@code data:} line of an event stream. */
    private static String nextData(LinkedBlockingQueue<String> lines) throws InterruptedException {
        while (true) {
            String line = lines.poll(30, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("the event stream went quiet");
            }
            if (line.startsWith("data:")) {
                return line;
            }
        }
    }
}
