package dev.spindle.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.jobs.Job;
import dev.spindle.jobs.JobState;
import dev.spindle.jobs.JobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

/** The store's SQL against the real server: claims never overlap, and a lost claim writes nothing. */
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
                null, null, job.input(), List.of(), job.version() + 1);
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
    void a_claim_only_takes_kinds_the_claimant_knows() {
        store.save(queued("other"));
        assertThat(store.claim(Set.of("unknown-here"), Duration.ofMinutes(1))).isEmpty();
    }
}
