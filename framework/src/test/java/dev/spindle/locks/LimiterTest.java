package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LimiterTest {

    @Test
    void at_most_n_callers_are_inside_and_n_can_be_inside_together() throws Exception {
        Limiter limiter = Limiter.create("pdf", 3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CyclicBarrier threeInside = new CyclicBarrier(3);
        List<TestThreads.Task<Object>> tasks = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            tasks.add(TestThreads.start("caller-" + t, () -> {
                for (int round = 0; round < 200; round++) {
                    try (var permit = limiter.acquire()) {
                        most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        if (round == 0) {
                            // The first three in must meet inside; a limiter admitting fewer would time this out.
                            threeInside.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                        }
                        inside.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (var task : tasks) {
            task.join();
        }
        assertThat(most.get()).isEqualTo(3);
        assertThat(limiter.available()).isEqualTo(limiter.capacity()).isEqualTo(3);
    }

    @Test
    void a_full_limiter_times_out_with_its_name_and_refuses_try() throws Exception {
        Limiter limiter = Limiter.create("db", 1);
        try (var permit = limiter.acquire()) {
            assertThat(limiter.tryAcquire()).isEmpty();
            assertThatThrownBy(() -> limiter.acquire(Duration.ofMillis(10)))
                    .isInstanceOf(LockTimeoutException.class)
                    .hasMessage("Lock 'db' not acquired within 10 ms");
            var waiter = TestThreads.start("waiter", limiter::acquireInterruptibly).awaitParked();
            waiter.thread().interrupt();
            assertThatThrownBy(waiter::join).hasCauseInstanceOf(InterruptedException.class);
        }
        assertThat(limiter.available()).isEqualTo(1);
    }

    @Test
    void a_permit_may_be_released_by_another_thread_exactly_once() throws Exception {
        Limiter limiter = Limiter.create("handoff", 1);
        Held permit = limiter.acquire();
        CountDownLatch closed = new CountDownLatch(1);
        TestThreads.start("closer", () -> {
            permit.close();
            permit.close();
            closed.countDown();
            return null;
        }).join();
        closed.await();
        permit.close();
        assertThat(limiter.available()).as("three closes of one permit free one permit").isEqualTo(1);
    }

    @Test
    void a_limiter_needs_a_permit() {
        assertThatThrownBy(() -> Limiter.create("none", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A limiter needs at least 1 permit, was 0");
    }
}
