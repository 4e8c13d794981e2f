package dev.spindle.locks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.pinning.PinningRecording;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virtual threads waiting for these locks give their carrier back: no {@code jdk.VirtualThreadPinned}
 * event is recorded while 32 virtual threads at a time wait for each kind of lock.
 *
 * <p>What this proves depends on the JDK. On JDK 21 to 23 a virtual thread that blocks inside
 * {@code synchronized} is pinned, so the test would catch a monitor anywhere on the acquisition or
 * release path. From JDK 24 (JEP 491) monitors no longer pin, and the test proves what still matters
 * there: every wait parks through {@code java.util.concurrent.locks} rather than in a class
 * initializer or under a native frame, the cases that still pin. A control in the same recording
 * blocks a virtual thread inside a class initializer ({@link PinningRecording}), so the test also
 * proves that the recording does see pinning when it happens, on every JDK: an empty result is not
 * an artefact of a recorder that saw nothing.
 */
class VirtualThreadPinningTest {

    private static final int CONTENDERS = 32;

    @Test
    void waiting_for_any_lock_kind_never_pins_a_virtual_thread(@TempDir Path dir) throws Exception {
        List<RecordedEvent> pinned = PinningRecording.record(dir.resolve("pinning.jfr"), () -> {
            Mutex mutex = Mutex.create("mutex");
            contend("mutex", mutex::acquire, () -> mutex.acquire());
            ReadWriteMutex rw = ReadWriteMutex.create("rw");
            contend("rw-readers", rw::write, () -> rw.readInterruptibly());
            contend("rw-writers", rw::read, () -> rw.write(TestThreads.PATIENCE));
            KeyedLocks<String> keyed = KeyedLocks.create("keyed");
            contend("keyed", () -> keyed.acquire("k"), () -> keyed.acquireAll("k", "j"));
            Limiter limiter = Limiter.create("limiter", 1);
            contend("limiter", limiter::acquire, () -> limiter.acquire(TestThreads.PATIENCE));
        });
        assertThat(pinned).as("the control's wait in a class initializer was recorded")
                .anyMatch(PinningRecording::isControl);
        assertThat(pinned).as("no contender was pinned")
                .noneSatisfy(event -> assertThat(PinningRecording.threadName(event)).startsWith("contender-"));
    }

    /**
     * The test thread takes the lock with {@code hold}; {@value #CONTENDERS} virtual threads ask for
     * it with {@code wait} and are all seen parked before the test thread lets go, so each of them
     * really waited.
     */
    private static void contend(String kind, Supplier<Held> hold, Callable<Held> wait) throws Exception {
        List<Thread> contenders = new ArrayList<>();
        try (Held held = hold.get()) {
            for (int i = 0; i < CONTENDERS; i++) {
                contenders.add(Thread.ofVirtual().name("contender-" + kind + "-" + i).start(() -> {
                    try (Held mine = wait.call()) {
                        Thread.yield();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            awaitWaiting(contenders);
        }
        for (Thread contender : contenders) {
            assertThat(contender.join(TestThreads.PATIENCE)).as("%s finished", contender.getName()).isTrue();
        }
    }

    private static void awaitWaiting(List<Thread> threads) {
        await().atMost(TestThreads.PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> threads.stream()
                .allMatch(thread -> thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING));
    }
}
