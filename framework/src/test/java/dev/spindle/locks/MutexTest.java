package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class MutexTest {

    private final Mutex mutex = Mutex.create("inventory");

    @Test
    void a_held_mutex_keeps_other_threads_out_until_closed() throws Exception {
        Held held = mutex.acquire();
        assertThat(mutex.isHeldByCurrentThread()).isTrue();
        assertThat(TestThreads.start("other", () -> mutex.tryAcquire().isPresent()).join()).isFalse();
        held.close();
        assertThat(mutex.isHeldByCurrentThread()).isFalse();
        assertThat(TestThreads.start("other", () -> {
            try (var mine = mutex.tryAcquire().orElseThrow()) {
                return mutex.isHeldByCurrentThread();
            }
        }).join()).isTrue();
    }

    @Test
    void timed_acquire_throws_a_timeout_naming_the_lock_and_the_wait() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var holder = TestThreads.start("holder", () -> {
            try (var held = mutex.acquire()) {
                holding.countDown();
                release.await();
            }
            return null;
        });
        holding.await();
        try {
            assertThatThrownBy(() -> mutex.acquire(Duration.ofMillis(20)))
                    .isInstanceOf(LockTimeoutException.class)
                    .hasMessage("Lock 'inventory' not acquired within 20 ms")
                    .satisfies(e -> {
                        LockTimeoutException timeout = (LockTimeoutException) e;
                        assertThat(timeout.lockName()).isEqualTo("inventory");
                        assertThat(timeout.waited()).isEqualTo(Duration.ofMillis(20));
                    });
            assertThatThrownBy(() -> mutex.acquire(Duration.ZERO)).isInstanceOf(LockTimeoutException.class);
            assertThat(mutex.isHeldByCurrentThread()).isFalse();
        } finally {
            release.countDown();
        }
        holder.join();
        try (var held = mutex.acquire(Duration.ZERO)) {
            assertThat(mutex.isHeldByCurrentThread()).isTrue();
        }
    }

    @Test
    void interrupting_an_interruptible_wait_ends_it_without_the_lock() throws Exception {
        try (var held = mutex.acquire()) {
            var waiter = TestThreads.start("waiter", () -> {
                try (var mine = mutex.acquireInterruptibly()) {
                    return "acquired";
                }
            });
            await().atMost(TestThreads.PATIENCE).until(() -> mutex.queueLength() == 1);
            waiter.thread().interrupt();
            assertThatThrownBy(waiter::join).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(InterruptedException.class);
            assertThat(mutex.queueLength()).isZero();
            assertThat(mutex.isHeldByCurrentThread()).isTrue();
        }
    }

    @Test
    void interrupting_a_timed_wait_ends_it_without_the_lock() throws Exception {
        try (var held = mutex.acquire()) {
            var waiter = TestThreads.start("waiter", () -> {
                try (var mine = mutex.acquire(TestThreads.PATIENCE.multipliedBy(2))) {
                    return "acquired";
                }
            });
            await().atMost(TestThreads.PATIENCE).until(() -> mutex.queueLength() == 1);
            waiter.thread().interrupt();
            assertThatThrownBy(waiter::join).hasCauseInstanceOf(InterruptedException.class);
        }
    }

    @Test
    void an_already_interrupted_thread_does_not_acquire_interruptibly_even_a_free_mutex() throws Exception {
        var outcome = TestThreads.start("interrupted", () -> {
            Thread.currentThread().interrupt();
            try (var held = mutex.acquireInterruptibly()) {
                return "acquired";
            } catch (InterruptedException expected) {
                return "interrupted, holding=" + mutex.isHeldByCurrentThread();
            }
        }).join();
        assertThat(outcome).isEqualTo("interrupted, holding=false");
    }

    @Test
    void plain_acquire_keeps_waiting_through_an_interrupt_and_keeps_the_interrupt_status() throws Exception {
        TestThreads.Task<Boolean> waiter;
        try (var held = mutex.acquire()) {
            waiter = TestThreads.start("waiter", () -> {
                try (var mine = mutex.acquire()) {
                    return Thread.currentThread().isInterrupted();
                }
            });
            await().atMost(TestThreads.PATIENCE).until(() -> mutex.queueLength() == 1);
            waiter.thread().interrupt();
        }
        // Had the interrupt ended the wait, join() would throw instead of returning.
        assertThat(waiter.join()).as("interrupt status after acquiring").isTrue();
    }

    @Test
    void the_owner_may_acquire_again_and_the_mutex_is_free_only_after_every_handle_closed() throws Exception {
        Held outer = mutex.acquire();
        Held inner = mutex.acquire(Duration.ZERO);
        mutex.tryAcquire().orElseThrow().close();
        inner.close();
        assertThat(TestThreads.start("other", () -> mutex.tryAcquire().isPresent()).join())
                .as("still held through the outer handle").isFalse();
        outer.close();
        assertThat(TestThreads.start("other", () -> {
            var maybe = mutex.tryAcquire();
            maybe.ifPresent(Held::close);
            return maybe.isPresent();
        }).join()).isTrue();
    }

    @Test
    void closing_a_handle_twice_releases_once() throws Exception {
        Held outer = mutex.acquire();
        Held inner = mutex.acquire();
        inner.close();
        inner.close();
        assertThat(mutex.isHeldByCurrentThread()).as("the second close must not release the outer hold").isTrue();
        outer.close();
        assertThat(mutex.isHeldByCurrentThread()).isFalse();
    }

    @Test
    void only_the_owner_can_release() throws Exception {
        try (Held held = mutex.acquire()) {
            assertThatThrownBy(() -> TestThreads.start("thief", () -> {
                held.close();
                return null;
            }).join()).hasCauseInstanceOf(IllegalMonitorStateException.class);
            assertThat(mutex.isHeldByCurrentThread()).isTrue();
        }
        assertThat(mutex.isHeldByCurrentThread()).isFalse();
    }

    @Test
    void a_fair_mutex_grants_in_arrival_order() throws Exception {
        Mutex fair = Mutex.builder("fair").fair(true).build();
        assertThat(fair.isFair()).isTrue();
        StringBuilder order = new StringBuilder();
        var first = new TestThreads.Task<?>[3];
        try (var held = fair.acquire()) {
            for (int i = 0; i < first.length; i++) {
                String id = String.valueOf(i);
                first[i] = TestThreads.start("fair-" + i, () -> {
                    try (var mine = fair.acquire()) {
                        order.append(id);
                    }
                    return null;
                });
                int queued = i + 1;
                await().atMost(TestThreads.PATIENCE).until(() -> fair.queueLength() == queued);
            }
        }
        for (var task : first) {
            task.join();
        }
        assertThat(order).hasToString("012");
    }
}
