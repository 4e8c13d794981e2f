package dev.spindle.jobs;

import static dev.spindle.jobs.JobTesting.client;
import static dev.spindle.jobs.JobTesting.delete;
import static dev.spindle.jobs.JobTesting.get;
import static dev.spindle.jobs.JobTesting.json;
import static dev.spindle.jobs.JobTesting.post;
import static dev.spindle.jobs.JobTesting.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobsTest {

    private final HttpClient http = client();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"single", "threaded", "virtual", "pool:4:10"})
    void polling_sees_the_job_run_and_finish(String mode) throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> config.threading(ThreadingMode.parse(mode)));
        try {
            HttpResponse<String> accepted = post(http, app, "/work");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String location = accepted.headers().firstValue("Location").orElseThrow();
            String id = json(accepted).getString("id");
            assertThat(location).isEqualTo("/jobs/" + id);
            assertThat(id).matches("[A-Za-z0-9_-]{22}");
            assertThat(json(accepted).getString("links.self")).isEqualTo(location);

            gate.awaitStarted();
            HttpResponse<String> running = get(http, app, location);
            assertThat(running.statusCode()).isEqualTo(200);
            assertThat(json(running).getString("state")).isEqualTo("RUNNING");
            assertThat(json(running).getInt("progress.percent")).isEqualTo(10);
            assertThat(running.headers().firstValue("Retry-After")).hasValue("1");

            gate.release.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> json(get(http, app, location)).getString("state").equals("SUCCEEDED"));
            HttpResponse<String> done = get(http, app, location);
            assertThat(json(done).getInt("result.answer")).isEqualTo(42);
            assertThat(json(done).getInt("progress.percent")).isEqualTo(100);
            assertThat(json(done).getString("finishedAt")).isNotNull();
            assertThat(done.headers().firstValue("Retry-After")).isEmpty();
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void ids_are_distinct_and_random() throws Exception {
        Jobs jobs = Jobs.create(settings -> { });
        try {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                ids.add(jobs.submit("test", null, null, job -> null).id());
            }
            assertThat(ids).hasSize(200);
            assertThat(ids).allSatisfy(id -> assertThat(java.util.Base64.getUrlDecoder().decode(id)).hasSize(16));
        } finally {
            jobs.close();
        }
    }

    @Test
    void long_polling_answers_as_soon_as_the_job_ends() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(
                    request(app, "/jobs/" + id + "?wait=30s").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> JobTesting.jobs(app).waiting() == 1);
            assertThat(waiting).isNotDone();

            gate.release.countDown();
            HttpResponse<String> response = waiting.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response).getString("state")).isEqualTo("SUCCEEDED");
            assertThat(JobTesting.jobs(app).waiting()).isZero();
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void long_polling_answers_with_the_current_state_when_the_wait_ends() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            HttpResponse<String> response = get(http, app, "/jobs/" + id + "?wait=50ms");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response).getString("state")).isEqualTo("RUNNING");
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(JobTesting.jobs(app).waiting()).isZero();

            assertThat(get(http, app, "/jobs/" + id + "?wait=soon").statusCode()).isEqualTo(400);
            assertThat(get(http, app, "/jobs/" + id + "?wait=999999999999999999m").statusCode()).isEqualTo(400);
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void a_waiting_long_poll_leaves_the_single_handler_thread_free() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> config.threading(ThreadingMode.singleThreaded()));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(
                    request(app, "/jobs/" + id + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(10)).until(() -> JobTesting.jobs(app).waiting() == 1);

            HttpResponse<String> meanwhile = get(http, app, "/jobs/" + id);
            assertThat(json(meanwhile).getString("state")).isEqualTo("RUNNING");
            assertThat(waiting).isNotDone();

            gate.release.countDown();
            assertThat(json(waiting.get(10, TimeUnit.SECONDS)).getString("state")).isEqualTo("SUCCEEDED");
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void stopping_answers_waiting_long_polls_and_cancels_queued_jobs() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs
                .threading(ThreadingMode.workerPool(1, 5)).drainTimeout(Duration.ZERO));
        Jobs jobs = JobTesting.jobs(app);
        String running = json(post(http, app, "/work")).getString("id");
        gate.awaitStarted();
        String queued = json(post(http, app, "/work")).getString("id");
        CompletableFuture<HttpResponse<String>> waiting = http.sendAsync(
                request(app, "/jobs/" + running + "?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.waiting() == 1);

        app.stop();
        HttpResponse<String> answered = waiting.get(10, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(json(answered).getString("state")).as("the job as it stands when the app stops").isEqualTo("RUNNING");
        assertThat(jobs.find(queued).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(jobs.find(queued).orElseThrow().startedAt()).isNull();
        assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void two_hundred_long_polls_do_not_hold_two_hundred_platform_threads() throws Exception {
        var gate = new JobTesting.Gate();
        // A new platform thread per request: a handler that waited for the job would keep 200 of them.
        Spindle app = JobTesting.app(gate, config -> config.threading(ThreadingMode.threadPerRequest()),
                jobs -> jobs.maxSubscribers(200));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            int before = platformThreads();
            List<CompletableFuture<HttpResponse<String>>> polls = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                polls.add(http.sendAsync(request(app, "/jobs/" + id + "?wait=60s").build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> JobTesting.jobs(app).waiting() == 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> platformThreads() < before + 50);
            assertThat(polls).noneMatch(CompletableFuture::isDone);

            gate.release.countDown();
            for (CompletableFuture<HttpResponse<String>> poll : polls) {
                HttpResponse<String> response = poll.get(30, TimeUnit.SECONDS);
                assertThat(json(response).getString("state")).isEqualTo("SUCCEEDED");
            }
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    private static int platformThreads() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
    }

    @Test
    void a_long_poll_past_the_most_waiters_is_answered_at_once() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.maxSubscribers(1));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            CompletableFuture<HttpResponse<String>> held = http.sendAsync(request(app, "/jobs/" + id + "?wait=60s").build(),
                    HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(30)).until(() -> JobTesting.jobs(app).waiting() == 1);

            HttpResponse<String> past = get(http, app, "/jobs/" + id + "?wait=60s");
            assertThat(json(past).getString("state")).isEqualTo("RUNNING");
            assertThat(held).isNotDone();

            gate.release.countDown();
            assertThat(json(held.get(30, TimeUnit.SECONDS)).getString("state")).isEqualTo("SUCCEEDED");
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void unknown_id_answers_404_problem() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            for (String path : List.of("/jobs/nope", "/jobs/nope?wait=1s")) {
                HttpResponse<String> response = get(http, app, path);
                assertThat(response.statusCode()).isEqualTo(404);
                assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(json(response).getInt("status")).isEqualTo(404);
            }
            assertThat(delete(http, app, "/jobs/nope").statusCode()).isEqualTo(404);
        } finally {
            app.stop();
        }
    }

    @Test
    void delete_cancels_and_interrupts_the_work() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            HttpResponse<String> cancelled = delete(http, app, "/jobs/" + id);
            assertThat(cancelled.statusCode()).isEqualTo(200);
            assertThat(json(cancelled).getString("state")).isEqualTo("CANCELLED");
            assertThat(json(cancelled).getString("error.type")).isEqualTo("cancelled");
            assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(json(delete(http, app, "/jobs/" + id)).getString("state")).isEqualTo("CANCELLED");
            assertThat(json(get(http, app, "/jobs/" + id)).getString("state")).isEqualTo("CANCELLED");
        } finally {
            app.stop();
        }
    }

    @Test
    void a_full_queue_answers_503_with_retry_after() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.listJobs(true).threading(ThreadingMode.workerPool(1, 1)));
        try {
            assertThat(post(http, app, "/work").statusCode()).isEqualTo(202);
            gate.awaitStarted();
            HttpResponse<String> queued = post(http, app, "/work");
            assertThat(queued.statusCode()).isEqualTo(202);
            assertThat(json(queued).getString("state")).isEqualTo("QUEUED");

            HttpResponse<String> refused = post(http, app, "/work");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(get(http, app, "/jobs")).getInt("total")).isEqualTo(2);
        } finally {
            gate.release.countDown();
            app.stop();
        }
    }

    @Test
    void a_full_store_answers_503_until_finished_jobs_are_forgotten() throws Exception {
        var registry = new SimpleMeterRegistry();
        var gate = new JobTesting.Gate();
        var clock = new JobTesting.MutableClock();
        // The sweep runs every ttl of real time; expiry is judged by the clock, which moves only by hand.
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.maxJobs(2).clock(clock).ttl(Duration.ofMillis(100))
                .meterRegistry(registry));
        try {
            gate.release.countDown();
            for (int i = 0; i < 2; i++) {
                String id = json(post(http, app, "/work")).getString("id");
                assertThat(json(get(http, app, "/jobs/" + id + "?wait=30s")).getString("state")).isEqualTo("SUCCEEDED");
            }
            HttpResponse<String> refused = post(http, app, "/work");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(refused).getString("detail")).contains("job store is full (2 jobs)");
            assertThat(registry.get("spindle.jobs.refused").tag("reason", "store-full").counter().count()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(30)).until(() -> post(http, app, "/work").statusCode() == 202);
        } finally {
            app.stop();
        }
    }

    @Test
    void a_job_past_its_timeout_fails_and_is_interrupted() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.timeout(Duration.ofMillis(50)));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            HttpResponse<String> done = get(http, app, "/jobs/" + id + "?wait=30s");
            assertThat(json(done).getString("state")).isEqualTo("FAILED");
            assertThat(json(done).getString("error.type")).isEqualTo("timeout");
            assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            app.stop();
        }
    }

    @Test
    void finished_jobs_expire_after_their_ttl_then_are_forgotten() throws Exception {
        var gate = new JobTesting.Gate();
        var clock = new JobTesting.MutableClock();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.listJobs(true).clock(clock).ttl(Duration.ofHours(1)));
        try {
            gate.release.countDown();
            String id = json(post(http, app, "/work")).getString("id");
            assertThat(json(get(http, app, "/jobs/" + id + "?wait=30s")).getString("state")).isEqualTo("SUCCEEDED");

            clock.advance(Duration.ofMinutes(59));
            assertThat(json(get(http, app, "/jobs/" + id)).getInt("result.answer")).isEqualTo(42);

            clock.advance(Duration.ofMinutes(1));
            HttpResponse<String> expired = get(http, app, "/jobs/" + id);
            assertThat(json(expired).getString("state")).isEqualTo("EXPIRED");
            assertThat(json(expired).getMap("").containsKey("result")).isFalse();
            assertThat(json(expired).getString("error.type")).isEqualTo("expired");

            clock.advance(Duration.ofHours(1));
            assertThat(get(http, app, "/jobs/" + id).statusCode()).isEqualTo(404);
            assertThat(json(get(http, app, "/jobs")).getList("items")).isEmpty();
        } finally {
            app.stop();
        }
    }

    @Test
    void jobs_are_not_listed_unless_listing_is_turned_on() throws Exception {
        var gate = new JobTesting.Gate();
        gate.release.countDown();
        Spindle app = JobTesting.app(gate, config -> { });
        try {
            String id = json(post(http, app, "/work")).getString("id");
            assertThat(get(http, app, "/jobs").statusCode()).isEqualTo(404);
            assertThat(get(http, app, "/jobs/" + id).statusCode()).isEqualTo(200);
        } finally {
            app.stop();
        }
    }

    @Test
    void jobs_are_listed_newest_first_in_pages() throws Exception {
        var gate = new JobTesting.Gate();
        var clock = new JobTesting.MutableClock();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.listJobs(true).clock(clock));
        try {
            gate.release.countDown();
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(json(post(http, app, "/work")).getString("id"));
                clock.advance(Duration.ofSeconds(1));
            }
            HttpResponse<String> first = get(http, app, "/jobs?limit=2");
            assertThat(json(first).getList("items.id")).containsExactly(ids.get(2), ids.get(1));
            assertThat(json(first).getInt("total")).isEqualTo(3);
            String next = json(first).getString("links.next");
            assertThat(json(get(http, app, next)).getList("items.id")).containsExactly(ids.get(0));
        } finally {
            app.stop();
        }
    }

    @Test
    void stopping_the_app_cancels_jobs_that_outlive_the_drain() throws Exception {
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.drainTimeout(Duration.ZERO));
        Jobs jobs = JobTesting.jobs(app);
        String id = json(post(http, app, "/work")).getString("id");
        gate.awaitStarted();
        app.stop();
        assertThat(jobs.find(id).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
        assertThat(gate.interrupted.await(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"single", "pool:1:5", "threaded", "virtual"})
    void a_cancelled_jobs_interrupt_does_not_reach_the_next_job_on_its_thread(String mode) throws Exception {
        ThreadingMode threading = ThreadingMode.parse(mode);
        Spindle app = JobTesting.withJobs(new JobTesting.Gate(), jobs -> jobs.threading(threading));
        Jobs jobs = JobTesting.jobs(app);
        try {
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<String> firstThread = new AtomicReference<>();
            Job first = jobs.submit("test", null, null, job -> {
                firstThread.set(Thread.currentThread().getName());
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();   // the idiom: keep the interrupt for whoever runs next
                }
                return null;
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            Job second = jobs.submit("test", null, null, job -> Map.of(
                    "thread", Thread.currentThread().getName(),
                    "interrupted", Thread.currentThread().isInterrupted()));
            assertThat(json(delete(http, app, "/jobs/" + first.id())).getString("state")).isEqualTo("CANCELLED");

            HttpResponse<String> done = get(http, app, "/jobs/" + second.id() + "?wait=30s");
            assertThat(json(done).getString("state")).isEqualTo("SUCCEEDED");
            assertThat(json(done).getBoolean("result.interrupted")).isFalse();
            if (threading instanceof ThreadingMode.SingleThreaded || threading instanceof ThreadingMode.WorkerPool) {
                assertThat(json(done).getString("result.thread")).isEqualTo(firstThread.get());
            }
        } finally {
            app.stop();
        }
    }

    @Test
    void metrics_count_submitted_and_completed_jobs() throws Exception {
        var registry = new SimpleMeterRegistry();
        var gate = new JobTesting.Gate();
        Spindle app = JobTesting.withJobs(gate, jobs -> jobs.meterRegistry(registry));
        try {
            String id = json(post(http, app, "/work")).getString("id");
            gate.awaitStarted();
            assertThat(registry.get("spindle.jobs.active").tag("kind", "test").longTaskTimer().activeTasks()).isEqualTo(1);
            gate.release.countDown();
            get(http, app, "/jobs/" + id + "?wait=30s");
            assertThat(registry.get("spindle.jobs.submitted").tag("kind", "test").counter().count()).isEqualTo(1);
            assertThat(registry.get("spindle.jobs.completed").tag("state", "succeeded").counter().count()).isEqualTo(1);
            assertThat(registry.get("spindle.jobs.active").longTaskTimer().activeTasks()).isZero();
            assertThat(registry.get("spindle.jobs.queued").gauge().value()).isZero();
        } finally {
            app.stop();
        }
    }
}
