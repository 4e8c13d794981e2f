package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virtual threads must never pin a carrier in framework code. JFR's {@code jdk.VirtualThreadPinned}
 * event, recorded with no threshold, reports every park or block that happened while pinned.
 * Since JDK 24 a {@code synchronized} block no longer pins, so on this JDK the test catches the
 * remaining causes (native frames, class initialisers, blocking inside {@code Object.wait}), and
 * on JDK 21 it would also catch {@code synchronized} around blocking work.
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
        Path file = dir.resolve("pinning.jfr");
        SpindleTest.test(app, client -> {
            assertThat(client.get("/warm").body()).isEqualTo("0");
            try (Recording recording = new Recording()) {
                recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
                recording.start();
                List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 64)
                        .mapToObj(i -> client.http().sendAsync(client.request("/block/" + i).build(),
                                HttpResponse.BodyHandlers.ofString()))
                        .toList();
                await().until(() -> gate.entered() == 16 && app.dispatchers().getFirst().queued() == 48);
                gate.open();
                for (var response : responses) {
                    assertThat(response.get().statusCode()).isEqualTo(200);
                }
                recording.stop();
                recording.dump(file);
            }
        });
        List<RecordedEvent> pinnedInSpindle = RecordingFile.readAllEvents(file).stream()
                .filter(event -> event.getEventType().getName().equals("jdk.VirtualThreadPinned"))
                .filter(VirtualThreadPinningTest::hasSpindleFrame)
                .filter(event -> !isClassLoading(event))
                .toList();
        assertThat(Files.size(file)).isPositive();
        assertThat(pinnedInSpindle).isEmpty();
    }

    private static boolean isClassLoading(RecordedEvent event) {
        String reason = event.getString("pinnedReason");
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
