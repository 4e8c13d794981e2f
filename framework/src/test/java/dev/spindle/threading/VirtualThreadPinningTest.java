package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.pinning.PinningRecording;
import dev.spindle.testing.SpindleTest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virtual threads must never pin a carrier in framework code. JFR's {@code jdk.VirtualThreadPinned}
 * event, recorded with no threshold, reports every park or block that happened while pinned; 64
 * requests block in virtual-thread handlers behind the framework's dispatcher and queue, and no
 * event may have a framework frame on its stack.
 *
 * <p>What that proves depends on the JDK. On JDK 21 to 23 a virtual thread that blocks inside
 * {@code synchronized} or {@code Object.wait} is pinned, so the test would catch a monitor anywhere
 * on the request path. From JDK 24 (JEP 491) neither pins, and the test proves what still matters
 * there: nothing in the framework blocks under a native frame or in a class initializer. On such a
 * JDK an empty result would also come from a recorder that sees nothing, so the same recording first
 * pins a control virtual thread on purpose ({@link PinningRecording}): the test asserts that the
 * control's event is recorded and passes the same filter as the framework's would, a stack with a
 * {@code dev.spindle} frame that is not class loading. Only then is "no other event" evidence.
 *
 * <p>Loading or initialising a class still pins (the JVM does it in native code), whoever triggers
 * it; that is a one-off cost of a cold JVM, not a framework lock, so the app is warmed up first and
 * class loading and initialisation waits are not counted.
 */
class VirtualThreadPinningTest {

    @Test
    void requests_that_block_in_virtual_threads_never_pin_in_framework_frames(@TempDir Path dir) throws Exception {
        Gate gate = new Gate();
        Spindle app = Spindle.create(config -> config.threading(new ThreadingMode.VirtualThreads(16, 1_000)));
        app.before(ctx -> null);
        app.get("/block/{n}", ctx -> {
            gate.pass("block" + ctx.pathParam("n"));
            return ctx.bodyBytes().length;
        });
        app.get("/warm", ctx -> ctx.bodyBytes().length);
        List<RecordedEvent> pinned = new ArrayList<>();
        SpindleTest.test(app, client -> {
            assertThat(client.get("/warm").body()).isEqualTo("0");
            pinned.addAll(PinningRecording.record(dir.resolve("pinning.jfr"), () -> {
                List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 64)
                        .mapToObj(i -> client.http().sendAsync(client.request("/block/" + i).build(),
                                HttpResponse.BodyHandlers.ofString()))
                        .toList();
                await().until(() -> gate.entered() == 16 && app.dispatchers().getFirst().queued() == 48);
                gate.open();
                for (var response : responses) {
                    assertThat(response.get().statusCode()).isEqualTo(200);
                }
            }));
        });
        List<RecordedEvent> pinnedInSpindle = pinned.stream()
                .filter(VirtualThreadPinningTest::hasSpindleFrame)
                .filter(event -> !isClassLoading(event))
                .toList();
        assertThat(pinnedInSpindle).as("the control's pin, in a dev.spindle frame, was recorded and kept by the filter")
                .anyMatch(PinningRecording::isControl);
        assertThat(pinnedInSpindle).as("pinned in framework frames, besides the control")
                .filteredOn(event -> !PinningRecording.isControl(event))
                .isEmpty();
    }

    private static boolean isClassLoading(RecordedEvent event) {
        String reason = event.hasField("pinnedReason") ? event.getString("pinnedReason") : null;   // JDK 24+
        if (reason != null && reason.contains("initialization of")) {
            return true;
        }
        return event.getStackTrace().getFrames().stream()
                .anyMatch(frame -> frame.getMethod().getName().equals("loadClass")
                        && frame.getMethod().getType().getName().endsWith("ClassLoader"));
    }

    private static boolean hasSpindleFrame(RecordedEvent event) {
        return event.getStackTrace() != null && event.getStackTrace().getFrames().stream()
                .map(RecordedFrame::getMethod)
                .anyMatch(method -> method.getType().getName().startsWith("dev.spindle"));
    }
}
