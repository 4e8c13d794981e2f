package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What docs/locks.md says of {@code tryAcquire()} on a fair mutex: it barges, like
 * {@code ReentrantLock.tryLock()}, taking a free mutex ahead of a thread that is already waiting.
 */
class FairMutexTryAcquireTest {

    private final Mutex fair = Mutex.builder("fair").fair(true).build();

    @Test
    void try_acquire_takes_a_just_released_fair_mutex_ahead_of_the_thread_waiting_for_it() {
        // The state "free, with a waiter queued" lasts from a release until the woken waiter runs; each
        // attempt opens it once, and the test thread, still running, nearly always gets in first.
        await().atMost(TestThreads.PATIENCE).pollDelay(Duration.ZERO).until(this::bargedPastAWaiter);
    }

    private boolean bargedPastAWaiter() throws Exception {
        Held mine = fair.acquire();
        var waiter = TestThreads.start("waiter", () -> {
            try (var held = fair.acquire()) {
                return held != null;
            }
        });
        await().atMost(TestThreads.PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> fair.queueLength() == 1);
        mine.close();
        Optional<Held> barged = fair.tryAcquire();
        boolean waiterStillQueued = fair.queueLength() == 1;
        barged.ifPresent(Held::close);
        assertThat(waiter.join()).isTrue();
        return barged.isPresent() && waiterStillQueued;
    }
}
