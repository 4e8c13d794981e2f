package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.jobs.Delivery;
import dev.spindle.jobs.Job;
import dev.spindle.jobs.JobState;
import dev.spindle.jobs.JobStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store's SQL against the real server: claims of jobs and of webhook deliveries never overlap, a
 * lost claim writes nothing, and the write that ends a job with a callback queues its delivery once.
 */
class PostgresJobStoreTest {

    private static PostgresTesting database;
    private static Postgres db;
    private static PostgresJobStore store;

    @BeforeAll
    static void schema() {
        database = PostgresTesting.fresh("store");
        db = database.connect(10);
        store = db.jobStore();
    }

    @AfterAll
    static void drop() throws Exception {
        db.close();
        database.close();
    }

    private static Job queued(String kind) {
        return new Job(UUID.randomUUID().toString(), kind, JobState.QUEUED, 0, null, Instant.now(), null, null, null,
                null, null, "{\"n\":1}", List.of(), 1);
    }

    private static Job running(Job job) {
        return new Job(job.id(), job.kind(), JobState.RUNNING, 0, null, job.createdAt(), Instant.now(), null, null,
                null, job.callbackUrl(), job.input(), List.of(), job.version() + 1);
    }

    @Test
    void eight_claimants_at_once_take_every_job_exactly_once() throws Exception {
        Set<String> submitted = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 80; i++) {
            Job job = queued("race");
            store.save(job);
            submitted.add(job.id());
        }
        CyclicBarrier together = new CyclicBarrier(8);
        ExecutorService claimants = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> claimed = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                claimed.add(claimants.submit(() -> {
                    together.await();
                    List<String> mine = new ArrayList<>();
                    Optional<JobStore.Claim> claim;
                    while ((claim = store.claim(Set.of("race"), Duration.ofMinutes(1))).isPresent()) {
                        mine.add(claim.get().job().id());
                    }
                    return mine;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> mine : claimed) {
                all.addAll(mine.get());
            }
            assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(submitted);
        } finally {
            claimants.shutdownNow();
        }
    }

    @Test
    void a_write_with_a_lost_lease_or_a_stale_version_changes_nothing() {
        Job job = queued("fence");
        store.save(job);
        JobStore.Claim claim = store.claim(Set.of("fence"), Duration.ofMinutes(1)).orElseThrow();
        assertThat(claim.attempt()).isEqualTo(1);
        Job started = running(claim.job());
        assertThat(store.update(started, new JobStore.Claim(claim.job(), "not-the-token", 1))).isFalse();
        assertThat(store.update(started, claim)).isTrue();
        assertThat(store.update(started, claim)).as("the same version twice").isFalse();

        Job cancelledElsewhere = new Job(job.id(), job.kind(), JobState.CANCELLED, 0, null, job.createdAt(),
                started.startedAt(), Instant.now(), null, null, null, job.input(), List.of(), started.version() + 1);
        assertThat(store.compareAndSet(cancelledElsewhere, null)).isTrue();
        assertThat(store.renew(List.of(claim), Duration.ofMinutes(1))).containsExactly(job.id());
        Job lateProgress = new Job(job.id(), job.kind(), JobState.RUNNING, 50, "late", job.createdAt(),
                started.startedAt(), null, null, null, null, job.input(), List.of(), started.version() + 1);
        assertThat(store.update(lateProgress, claim)).isFalse();
        assertThat(store.find(job.id()).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void the_write_that_ends_a_job_with_a_callback_queues_one_delivery_and_rewrites_of_the_ended_job_none() {
        Job job = withCallback(queued("hook"));
        store.save(job);
        JobStore.Claim claim = store.claim(Set.of("hook"), Duration.ofMinutes(1)).orElseThrow();
        Job started = running(claim.job());
        assertThat(store.update(started, claim)).isTrue();
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).as("nothing to deliver while it runs").isEmpty();

        Job succeeded = ended(started, JobState.SUCCEEDED);
        assertThat(store.update(succeeded, claim)).isTrue();
        assertThat(store.compareAndSet(ended(succeeded, JobState.SUCCEEDED), null)).as("a rewrite, as expiry makes").isTrue();
        JobStore.WebhookClaim delivery = store.claimWebhook(Duration.ofMinutes(1)).orElseThrow();
        assertThat(delivery.job()).isEqualTo(succeeded);
        assertThat(delivery.attempt()).isEqualTo(1);
        assertThat(store.webhookAttempted(delivery, attempt(delivery, 204, "delivered"), null)).isTrue();
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).as("one delivery per job, ended").isEmpty();

        Job other = withCallback(queued("hook"));
        store.save(other);
        assertThat(store.compareAndSet(ended(other, JobState.CANCELLED), null)).as("cancelled where it is not run").isTrue();
        JobStore.WebhookClaim cancelled = store.claimWebhook(Duration.ofMinutes(1)).orElseThrow();
        assertThat(cancelled.job().state()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelled.deliveryId()).isNotEqualTo(delivery.deliveryId());
        assertThat(store.webhookAttempted(cancelled, attempt(cancelled, 204, "delivered"), null)).isTrue();
    }

    @Test
    void a_delivery_claim_is_fenced_and_one_given_back_or_retried_is_claimed_again_under_its_id() throws SQLException {
        Job job = withCallback(queued("fenced-hook"));
        store.save(job);
        assertThat(store.compareAndSet(ended(job, JobState.FAILED), null)).isTrue();
        JobStore.WebhookClaim first = store.claimWebhook(Duration.ofMinutes(1)).orElseThrow();
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).as("claimed already").isEmpty();
        JobStore.WebhookClaim stolen = new JobStore.WebhookClaim(first.deliveryId(), first.job(), 1, "not-the-token");
        assertThat(store.webhookAttempted(stolen, attempt(stolen, 204, "delivered"), null)).isFalse();
        store.releaseWebhook(stolen);
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).as("a lost claim gives nothing back").isEmpty();

        store.releaseWebhook(first);
        JobStore.WebhookClaim second = store.claimWebhook(Duration.ofMinutes(1)).orElseThrow();
        assertThat(second.deliveryId()).isEqualTo(first.deliveryId());
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(store.webhookAttempted(second, attempt(second, 500, "failed"), Duration.ofHours(1))).isTrue();
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).as("not due for an hour").isEmpty();
        assertThat(store.webhooksWaiting()).isEqualTo(1);
        assertThat(store.webhookAttempted(second, attempt(second, 204, "delivered"), null))
                .as("its claim ended with the attempt recorded").isFalse();

        try (Connection connection = db.dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("UPDATE spindle_webhooks SET due = now() WHERE id = ?")) {
            statement.setString(1, first.deliveryId());
            statement.executeUpdate();
        }
        JobStore.WebhookClaim third = store.claimWebhook(Duration.ofMinutes(1)).orElseThrow();
        assertThat(third.deliveryId()).isEqualTo(first.deliveryId());
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(store.webhooksWaiting()).as("claimed now, so not waiting").isZero();
        assertThat(store.webhookAttempted(third, attempt(third, 204, "delivered"), null)).isTrue();
        assertThat(store.claimWebhook(Duration.ofMinutes(1))).isEmpty();
    }

    @Test
    void eight_claimants_at_once_take_every_delivery_exactly_once() throws Exception {
        Set<String> jobs = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 40; i++) {
            Job job = withCallback(queued("many-hooks"));
            store.save(job);
            assertThat(store.compareAndSet(ended(job, JobState.CANCELLED), null)).isTrue();
            jobs.add(job.id());
        }
        CyclicBarrier together = new CyclicBarrier(8);
        ExecutorService claimants = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<JobStore.WebhookClaim>>> claimed = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                claimed.add(claimants.submit(() -> {
                    together.await();
                    List<JobStore.WebhookClaim> mine = new ArrayList<>();
                    Optional<JobStore.WebhookClaim> claim;
                    while ((claim = store.claimWebhook(Duration.ofMinutes(1))).isPresent()) {
                        mine.add(claim.get());
                    }
                    return mine;
                }));
            }
            List<JobStore.WebhookClaim> all = new ArrayList<>();
            for (Future<List<JobStore.WebhookClaim>> mine : claimed) {
                all.addAll(mine.get());
            }
            assertThat(all).extracting(JobStore.WebhookClaim::deliveryId).doesNotHaveDuplicates();
            assertThat(all).extracting(claim -> claim.job().id()).containsExactlyInAnyOrderElementsOf(jobs);
            for (JobStore.WebhookClaim claim : all) {
                assertThat(store.webhookAttempted(claim, attempt(claim, 204, "delivered"), null)).isTrue();
            }
        } finally {
            claimants.shutdownNow();
        }
    }

    private static Job withCallback(Job job) {
        return new Job(job.id(), job.kind(), job.state(), 0, null, job.createdAt(), null, null, null, null,
                "https://receiver.example/hook", job.input(), List.of(), job.version());
    }

    private static Job ended(Job job, JobState state) {
        return new Job(job.id(), job.kind(), state, 100, null, job.createdAt(), job.startedAt(), Instant.now(),
                state == JobState.SUCCEEDED ? Map.of("done", true) : null, null, job.callbackUrl(),
                job.input(), List.of(), job.version() + 1);
    }

    private static Delivery attempt(JobStore.WebhookClaim claim, int status, String outcome) {
        return new Delivery(claim.deliveryId(), claim.attempt(), Instant.now(), status, outcome, null);
    }

    @Test
    void a_claim_only_takes_kinds_the_claimant_knows() {
        store.save(queued("other"));
        assertThat(store.claim(Set.of("unknown-here"), Duration.ofMinutes(1))).isEmpty();
    }
}
