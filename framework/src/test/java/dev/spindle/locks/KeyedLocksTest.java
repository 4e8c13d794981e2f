package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyedLocksTest {

    private final KeyedLocks<String> accounts = KeyedLocks.create("accounts");

    @Test
    void different_keys_do_not_block_each_other_and_the_same_key_does() throws Exception {
        try (var held = accounts.acquire("alice")) {
            assertThat(accounts.isHeldByCurrentThread("alice")).isTrue();
            assertThat(TestThreads.start("bob's", () -> {
                try (var other = accounts.acquire("bob", Duration.ZERO)) {
                    return accounts.isHeldByCurrentThread("bob");
                }
            }).join()).isTrue();
            assertThat(TestThreads.start("alice's", () -> accounts.tryAcquire("alice").isPresent()).join()).isFalse();
            assertThatThrownBy(() -> TestThreads.start("timed", () -> accounts.acquire("alice", Duration.ofMillis(10))).join())
                    .cause().isInstanceOf(LockTimeoutException.class).hasMessage("Lock 'accounts' not acquired within 10 ms");
            assertThat(accounts.activeKeys()).as("only alice is held; the failed attempts left nothing behind").isEqualTo(1);
        }
        assertThat(accounts.activeKeys()).isZero();
    }

    @Test
    void a_million_distinct_keys_leave_the_map_empty() {
        KeyedLocks<Integer> orders = KeyedLocks.create("orders");
        for (int id = 0; id < 1_000_000; id++) {
            try (var held = orders.acquire(id)) {
                if (orders.activeKeys() != 1) {
                    throw new AssertionError("key " + id + ": " + orders.activeKeys() + " keys mapped while one is held");
                }
            }
        }
        assertThat(orders.activeKeys()).isZero();
    }

    @Test
    void keys_used_concurrently_are_reclaimed_once_nobody_holds_or_awaits_them() throws Exception {
        KeyedLocks<Integer> orders = KeyedLocks.create("orders");
        int threads = 16;
        int perThread = 20_000;
        long[] counts = new long[64];
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                done.add(executor.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int key = (i * 31 + seed) % counts.length;
                        try (var held = orders.acquire(key)) {
                            counts[key]++;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        assertThat(total).as("per-key exclusion: no increment lost").isEqualTo((long) threads * perThread);
        assertThat(orders.activeKeys()).isZero();
    }

    @Test
    void interrupted_and_timed_out_waiters_leave_no_key_behind() throws Exception {
        try (var held = accounts.acquire("alice")) {
            var waiter = TestThreads.start("waiter", () -> accounts.acquireInterruptibly("alice")).awaitParked();
            waiter.thread().interrupt();
            assertThatThrownBy(waiter::join).hasCauseInstanceOf(InterruptedException.class);
            assertThatThrownBy(() -> TestThreads.start("timed", () -> accounts.acquireAll(Duration.ofMillis(5), List.of("zoe", "alice"))).join())
                    .hasCauseInstanceOf(LockTimeoutException.class);
            assertThat(accounts.activeKeys()).isEqualTo(1);
        }
        assertThat(accounts.activeKeys()).isZero();
    }

    @Test
    void acquire_all_takes_keys_in_the_global_order_whatever_order_they_are_given_in() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var a = accounts.acquire("a")) {
            // Asked for b then a, the taker must wait for a *before* touching b.
            var taker = TestThreads.start("taker", () -> {
                try (var both = accounts.acquireAll("b", "a")) {
                    release.await();
                }
                return null;
            }).awaitParked();
            assertThat(TestThreads.start("probe", () -> {
                var maybe = accounts.tryAcquire("b");
                maybe.ifPresent(Held::close);
                return maybe.isPresent();
            }).join()).as("b must still be free while the taker waits for a").isTrue();
            a.close();
            release.countDown();
            taker.join();
        }
        assertThat(accounts.activeKeys()).isZero();
    }

    @Test
    void two_threads_taking_the_same_keys_in_opposite_orders_never_deadlock() throws Exception {
        int rounds = 20_000;
        long[] balance = new long[2];
        var forward = TestThreads.start("forward", () -> {
            for (int i = 0; i < rounds; i++) {
                try (var both = accounts.acquireAll("x", "y")) {
                    balance[0]++;
                    balance[1]--;
                }
            }
            return null;
        });
        var backward = TestThreads.start("backward", () -> {
            for (int i = 0; i < rounds; i++) {
                try (var both = accounts.acquireAll(List.of("y", "x"))) {
                    balance[1]++;
                    balance[0]--;
                }
            }
            return null;
        });
        forward.join();
        backward.join();
        try (var both = accounts.acquireAll("x", "y")) {
            assertThat(balance).containsExactly(0, 0);
        }
        assertThat(accounts.activeKeys()).isZero();
    }

    @Test
    void acquire_all_takes_duplicates_once_and_re_enters_keys_already_held() {
        try (var x = accounts.acquire("x"); var all = accounts.acquireAll("y", "x", "y")) {
            assertThat(accounts.isHeldByCurrentThread("x")).isTrue();
            assertThat(accounts.isHeldByCurrentThread("y")).isTrue();
            assertThat(accounts.activeKeys()).isEqualTo(2);
        }
        assertThat(accounts.isHeldByCurrentThread("x")).isFalse();
        assertThat(accounts.activeKeys()).isZero();
    }

    @Test
    void an_order_inconsistent_with_equals_is_refused() {
        KeyedLocks<String> byLength = KeyedLocks.builder("by-length", Comparator.comparingInt(String::length)).build();
        assertThatThrownBy(() -> byLength.acquireAll("ab", "cd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("consistent with equals");
        assertThat(byLength.activeKeys()).isZero();
    }

    @Test
    void null_keys_are_refused() {
        assertThatThrownBy(() -> accounts.acquire(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> accounts.acquireAll("a", null)).isInstanceOf(NullPointerException.class);
        assertThat(accounts.activeKeys()).isZero();
    }
}
