package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reason the package exists: {@code count = count + 1} from many threads loses updates, and
 * the same increment under a lock does not. The unsafe increment is shown losing updates in an
 * interleaving the test forces, so its result is exact; the locked ones run 64 virtual threads,
 * 10,000 increments each, free to interleave however the scheduler likes, and lose nothing.
 */
class LostUpdateTest {

    private static final int THREADS = 64;
    private static final int INCREMENTS = 10_000;
    private static final long EXPECTED = (long) THREADS * INCREMENTS;

    /** Shared by the threads of one run: a plain field, on the heap every thread sees. */
    private static final class Counter {
        long value;
    }

    @Test
    void sixty_four_virtual_threads_incrementing_under_a_mutex_end_at_exactly_640_000() throws Exception {
        Mutex mutex = Mutex.create("counter");
        Counter counter = new Counter();
        runOnVirtualThreads(() -> {
            try (var held = mutex.acquire()) {
                long read = counter.value;
                Thread.yield();              // the unsafe increment's window; nobody can use it
                counter.value = read + 1;
            }
        });
        try (var held = mutex.acquire()) {
            assertThat(counter.value).isEqualTo(EXPECTED);
        }
    }

    @Test
    void sixty_four_virtual_threads_incrementing_through_guarded_end_at_exactly_640_000() throws Exception {
        Guarded<Long> counter = Guarded.of("counter", 0L);
        runOnVirtualThreads(() -> counter.update(n -> n + 1));
        assertThat(counter.get()).isEqualTo(EXPECTED);
    }

    /**
     * The lost update, forced: each of 64 virtual threads reads the counter, and none writes back
     * before all have read (a barrier between the read and the write). Every read sees 0 and every
     * write stores 1, so 64 increments leave the count at exactly 1. The barrier fixes the
     * interleaving, so this is the result of every run, not a likely one; an increment that did not
     * lose updates (an atomic one, say) would end at 64 and fail the test.
     */
    @Test
    void sixty_four_threads_that_all_read_before_any_writes_back_leave_the_count_at_1() throws Exception {
        Counter counter = new Counter();
        CyclicBarrier allRead = new CyclicBarrier(THREADS);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> reads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                reads.add(executor.submit(() -> {
                    long read = counter.value;
                    allRead.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                    counter.value = read + 1;
                    return read;
                }));
            }
            for (Future<Long> read : reads) {
                assertThat(read.get(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("value read").isZero();
            }
        }
        assertThat(counter.value).as("%d increments, %d lost", THREADS, THREADS - 1).isEqualTo(1);
    }

    private static void runOnVirtualThreads(Runnable increment) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                done.add(executor.submit(() -> {
                    start.await(TestThreads.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                    for (int i = 0; i < INCREMENTS; i++) {
                        increment.run();
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(TestThreads.PATIENCE.toMillis() * 3, TimeUnit.MILLISECONDS);
            }
        }
    }
}
