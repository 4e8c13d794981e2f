package dev.spindle.internal.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spindle.threading.ThreadingMode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A task a dispatcher has accepted is run, withdrawn, or refused through its callback, never dropped:
 * the server answers a refused request 503 at once instead of leaving its client waiting.
 */
class QueuedTaskRefusalTest {

    /** A task that records what happened to it, holding its thread until {@code release} opens. */
    private static final class Probe implements Dispatcher.Task {
        final CountDownLatch ran = new CountDownLatch(1);
        final CountDownLatch refused = new CountDownLatch(1);
        final CountDownLatch release;
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile boolean wasQueued;

        Probe(CountDownLatch release) {
            this.release = release;
        }

        @Override
        public void queued() {
            wasQueued = true;
        }

        @Override
        public void refused(RejectedExecutionException why) {
            events.add("refused: " + why.getMessage());
            refused.countDown();
        }

        @Override
        public void run() {
            events.add("ran");
            ran.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void a_queued_task_that_cannot_get_a_thread_is_refused_at_once() throws Exception {
        AtomicInteger created = new AtomicInteger();
        ThreadFactory firstOnly = task -> {
            if (created.getAndIncrement() > 0) {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
            }
            return Thread.ofPlatform().unstarted(task);
        };
        var dispatcher = new ThreadPerTaskDispatcher("app", ThreadingMode.threadPerRequest(1), 1, 10, firstOnly);
        CountDownLatch release = new CountDownLatch(1);
        Probe running = new Probe(release);
        Probe waiting = new Probe(new CountDownLatch(0));
        dispatcher.execute(running);
        assertThat(running.ran.await(10, TimeUnit.SECONDS)).isTrue();
        dispatcher.execute(waiting);
        assertThat(waiting.wasQueued).isTrue();
        assertThat(dispatcher.queued()).isEqualTo(1);

        release.countDown(); // the running task ends; the next needs a thread the factory cannot make
        assertThat(waiting.refused.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(waiting.events).singleElement().asString().contains("could not start a thread");
        assertThat(dispatcher.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
        assertThat(dispatcher.active()).isZero();
        assertThat(dispatcher.queued()).isZero();
    }

    static Stream<ThreadingMode> boundedModes() {
        return Stream.of(ThreadingMode.singleThreaded(), ThreadingMode.workerPool(1, 10),
                ThreadingMode.threadPerRequest(1), ThreadingMode.virtualThreads(1));
    }

    @ParameterizedTest
    @MethodSource("boundedModes")
    void shutdown_refuses_queued_tasks_at_once_and_lets_the_running_one_finish(ThreadingMode mode) throws Exception {
        Dispatcher dispatcher = Dispatchers.create(mode, "app");
        CountDownLatch release = new CountDownLatch(1);
        Probe running = new Probe(release);
        List<Probe> waiting = List.of(new Probe(release), new Probe(release), new Probe(release));
        dispatcher.execute(running);
        assertThat(running.ran.await(10, TimeUnit.SECONDS)).isTrue();
        waiting.forEach(dispatcher::execute);
        assertThat(waiting).allMatch(probe -> probe.wasQueued);

        dispatcher.shutdown();
        for (Probe probe : waiting) {
            assertThat(probe.refused.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(probe.events).singleElement().asString().startsWith("refused");
        }
        assertThat(running.events).containsExactly("ran");
        release.countDown();
        assertThat(dispatcher.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
        assertThat(running.refused.getCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("boundedModes")
    void a_withdrawn_task_frees_its_place_and_never_runs(ThreadingMode mode) throws Exception {
        Dispatcher dispatcher = Dispatchers.create(mode, "app");
        CountDownLatch release = new CountDownLatch(1);
        Probe running = new Probe(release);
        Probe withdrawn = new Probe(release);
        Probe next = new Probe(release);
        try {
            dispatcher.execute(running);
            assertThat(running.ran.await(10, TimeUnit.SECONDS)).isTrue();
            dispatcher.execute(withdrawn);
            assertThat(dispatcher.queued()).isEqualTo(1);
            assertThat(dispatcher.withdraw(withdrawn)).isTrue();
            assertThat(dispatcher.queued()).isZero();
            assertThat(dispatcher.withdraw(running)).isFalse();
            dispatcher.execute(next);
            release.countDown();
            assertThat(next.ran.await(10, TimeUnit.SECONDS)).isTrue();
            dispatcher.shutdown();
            assertThat(dispatcher.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
            assertThat(withdrawn.events).isEmpty();
        } finally {
            release.countDown();
            dispatcher.shutdownNow();
        }
    }

    static Stream<ThreadingMode> unlimitedModes() {
        return Stream.of(ThreadingMode.threadPerRequest(), ThreadingMode.virtualThreads());
    }

    @ParameterizedTest
    @MethodSource("unlimitedModes")
    void an_unlimited_dispatcher_refuses_after_shutdown_and_terminates_when_its_last_task_ends(ThreadingMode mode)
            throws Exception {
        Dispatcher dispatcher = Dispatchers.create(mode, "app");
        CountDownLatch release = new CountDownLatch(1);
        Probe running = new Probe(release);
        try {
            dispatcher.execute(running);
            assertThat(running.ran.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(running.wasQueued).isFalse();
            assertThat(dispatcher.active()).isEqualTo(1);
            dispatcher.shutdown();
            assertThatThrownBy(() -> dispatcher.execute(new Probe(release)))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("shut down");
            release.countDown();
            assertThat(dispatcher.awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
            assertThat(dispatcher.active()).isZero();
            assertThat(dispatcher.rejected()).isEqualTo(1);
        } finally {
            release.countDown();
            dispatcher.shutdownNow();
        }
    }
}
