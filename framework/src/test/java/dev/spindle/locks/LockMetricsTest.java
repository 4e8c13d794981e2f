package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LockMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void a_mutex_records_wait_held_and_timeouts_tagged_with_its_name() throws Exception {
        Mutex mutex = Mutex.builder("inventory").meterRegistry(registry).build();
        try (var held = mutex.acquire()) {
            try (var again = mutex.acquire()) {
                assertThat(mutex.isHeldByCurrentThread()).isTrue();
            }
            assertThatThrownBy(() -> TestThreads.start("late", () -> mutex.acquire(Duration.ofMillis(5))).join())
                    .hasCauseInstanceOf(LockTimeoutException.class);
        }
        assertThat(timer(LockMeters.WAIT, "inventory").count()).isEqualTo(2);
        assertThat(timer(LockMeters.HELD, "inventory").count()).isEqualTo(2);
        assertThat(counter(LockMeters.TIMEOUTS, "inventory").count()).isEqualTo(1.0);
        mutex.tryAcquire().orElseThrow().close();
        assertThat(timer(LockMeters.WAIT, "inventory").count()).isEqualTo(3);
        assertThat(timer(LockMeters.HELD, "inventory").count()).isEqualTo(3);
    }

    @Test
    void a_blocked_thread_records_a_wait_spanning_at_least_the_time_it_was_seen_queued() throws Exception {
        Mutex mutex = Mutex.builder("contended").meterRegistry(registry).build();
        TestThreads.Task<Object> waiter;
        long seenQueuedFor;
        try (var held = mutex.acquire()) {
            waiter = TestThreads.start("waiter", () -> {
                try (var mine = mutex.acquire()) {
                    return null;
                }
            });
            await().atMost(TestThreads.PATIENCE).until(() -> mutex.queueLength() == 1);
            long seenQueued = System.nanoTime();
            waiter.awaitParked();
            seenQueuedFor = System.nanoTime() - seenQueued;
        }
        waiter.join();
        Timer wait = timer(LockMeters.WAIT, "contended");
        assertThat(wait.count()).isEqualTo(2);
        // The waiter's wait began before it was seen queued and ended after the release below the
        // measurement: an ordering of events, not a timing threshold.
        assertThat(wait.max(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo((double) seenQueuedFor);
    }

    @Test
    void every_lock_kind_uses_the_same_meters_with_its_own_lock_tag() throws Exception {
        ReadWriteMutex prices = ReadWriteMutex.builder("prices").meterRegistry(registry).build();
        try (var reading = prices.read()) {
            assertThat(prices.readHoldCount()).isOne();
        }
        try (var writing = prices.write(); var reading = writing.downgrade()) {
            assertThat(prices.readHoldCount()).isOne();
        }
        assertThat(timer(LockMeters.WAIT, "prices").count()).isEqualTo(3);
        assertThat(timer(LockMeters.HELD, "prices").count()).isEqualTo(3);

        KeyedLocks<String> accounts = KeyedLocks.<String>builder("accounts").meterRegistry(registry).build();
        try (var both = accounts.acquireAll("a", "b")) {
            assertThat(accounts.activeKeys()).isEqualTo(2);
        }
        assertThat(timer(LockMeters.WAIT, "accounts").count()).as("one sample per key").isEqualTo(2);
        assertThat(timer(LockMeters.HELD, "accounts").count()).isEqualTo(2);

        Guarded<Long> hits = Guarded.builder("hits", 0L).meterRegistry(registry).build();
        hits.update(n -> n + 1);
        assertThat(hits.get()).isEqualTo(1L);
        assertThat(timer(LockMeters.WAIT, "hits").count()).isEqualTo(2);

        Limiter pdf = Limiter.builder("pdf", 1).meterRegistry(registry).build();
        try (var permit = pdf.acquire()) {
            assertThatThrownBy(() -> pdf.acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
        }
        assertThat(timer(LockMeters.HELD, "pdf").count()).isEqualTo(1);
        assertThat(counter(LockMeters.TIMEOUTS, "pdf").count()).isEqualTo(1.0);

        assertThat(registry.find(LockMeters.WAIT).timers())
                .allSatisfy(timer -> assertThat(timer.getId().getTags()).singleElement()
                        .satisfies(tag -> assertThat(tag.getKey()).isEqualTo("lock")))
                .extracting(timer -> timer.getId().getTag("lock"))
                .containsExactlyInAnyOrder("prices", "accounts", "hits", "pdf");
    }

    @Test
    void keyed_timeouts_are_counted_under_the_lock_set_name_never_the_key() throws Exception {
        KeyedLocks<String> accounts = KeyedLocks.<String>builder("accounts").meterRegistry(registry).build();
        try (var held = accounts.acquire("alice")) {
            assertThatThrownBy(() -> TestThreads.start("timed", () -> accounts.acquire("alice", Duration.ZERO)).join())
                    .hasCauseInstanceOf(LockTimeoutException.class);
            assertThatThrownBy(() -> TestThreads.start("timed", () -> accounts.acquireAll(Duration.ZERO, List.of("alice", "bob"))).join())
                    .hasCauseInstanceOf(LockTimeoutException.class);
        }
        assertThat(counter(LockMeters.TIMEOUTS, "accounts").count()).isEqualTo(2.0);
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTag("lock")).isEqualTo("accounts"));
    }

    @Test
    void without_a_registry_no_meter_and_no_clock_reading_exists() {
        assertThat(LockMeters.of(null, "x")).isSameAs(LockMeters.NONE);
        assertThat(LockMeters.NONE.startWait()).isZero();
        assertThat(LockMeters.NONE.acquired(123L)).isZero();
        Mutex plain = Mutex.create("plain");
        try (var held = plain.acquire()) {
            assertThat(plain.isHeldByCurrentThread()).isTrue();
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    private Timer timer(String name, String lock) {
        return registry.get(name).tag(LockMeters.TAG, lock).timer();
    }

    private Counter counter(String name, String lock) {
        return registry.get(name).tag(LockMeters.TAG, lock).counter();
    }
}
