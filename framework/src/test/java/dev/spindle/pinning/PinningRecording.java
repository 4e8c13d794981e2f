package dev.spindle.pinning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of {@code jdk.VirtualThreadPinned} events that shows it can see pinning: before
 * the work under test runs, a control virtual thread named {@value #CONTROL_THREAD} pins its carrier
 * on purpose, and a test asserts that the control's event is among those recorded. Without that, a
 * test asserting "no pinning" passes as well when the recorder saw nothing at all: with the wrong
 * event name, a threshold that drops short pins, or on a JDK where the cause it looks for no longer
 * pins (JDK 24+ for {@code synchronized} and {@code Object.wait}, JEP 491).
 *
 * <p>The control blocks inside a class initializer, which pins on every JDK so far: the JVM runs
 * {@code <clinit>} from native code, and a virtual thread cannot unmount with a native frame on its
 * stack. A class initializer runs once per class, so each control defines {@link BlocksInInitializer}
 * afresh as a hidden class; the control works any number of times in one JVM, from any test class.
 */
public final class PinningRecording {

    /** The JFR event that reports a virtual thread parked or blocked while pinned to its carrier. */
    public static final String EVENT = "jdk.VirtualThreadPinned";

    /** Name of the virtual thread that pins on purpose. */
    public static final String CONTROL_THREAD = "pinning-control";

    /** Bound on each wait for the control thread: reached only if the control is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    /** The latches of the control running on this thread; read by {@link BlocksInInitializer}'s initializer. */
    static final ThreadLocal<Latches> CONTROL = new ThreadLocal<>();

    /** {@code entered}: the initializer is running; {@code release}: it may finish. */
    record Latches(CountDownLatch entered, CountDownLatch release) {
    }

    /** The work recorded after the control. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    private PinningRecording() {
    }

    /**
     * Records every {@value #EVENT} event (no threshold, with stack traces) while the control pins a
     * virtual thread and then {@code work} runs; dumps the recording to {@code file} and returns the
     * events read back from it.
     */
    public static List<RecordedEvent> record(Path file, Work work) throws Exception {
        try (Recording recording = new Recording()) {
            recording.enable(EVENT).withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            pinOneVirtualThread();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        assertThat(Files.size(file)).as("recording size").isPositive();
        return RecordingFile.readAllEvents(file).stream()
                .filter(event -> event.getEventType().getName().equals(EVENT))
                .toList();
    }

    /**
     * Starts a virtual thread named {@value #CONTROL_THREAD} that waits inside a class initializer,
     * lets it go once it is seen waiting, and returns when it has finished; its failure is rethrown.
     */
    public static void pinOneVirtualThread() throws Exception {
        byte[] bytes = classBytes(BlocksInInitializer.class);
        Latches latches = new Latches(new CountDownLatch(1), new CountDownLatch(1));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread control = Thread.ofVirtual().name(CONTROL_THREAD).start(() -> {
            CONTROL.set(latches);
            try {
                MethodHandles.lookup().defineHiddenClass(bytes, true);   // runs the initializer here
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                CONTROL.remove();
            }
        });
        try {
            // Once inside the initializer the only wait left is for release, so the thread is pinned then.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> latches.entered().getCount() == 0
                    && (control.getState() == Thread.State.WAITING || control.getState() == Thread.State.TIMED_WAITING)
                    || !control.isAlive());
        } finally {
            latches.release().countDown();
        }
        assertThat(control.join(PATIENCE)).as("the control thread finished").isTrue();
        if (failure.get() != null) {
            throw new IllegalStateException("the pinning control failed", failure.get());
        }
    }

    /** Whether {@code event} is the control's. */
    public static boolean isControl(RecordedEvent event) {
        return threadName(event).equals(CONTROL_THREAD);
    }

    /** The Java name of the event's thread, or "" if it has none. */
    public static String threadName(RecordedEvent event) {
        return event.getThread() == null || event.getThread().getJavaName() == null ? "" : event.getThread().getJavaName();
    }

    private static byte[] classBytes(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            if (in == null) {
                throw new IllegalStateException("no class file for " + type.getName());
            }
            return in.readAllBytes();
        }
    }
}
