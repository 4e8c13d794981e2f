package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.RawHttp;
import dev.spindle.threading.ThreadingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** stop() lets in-flight requests finish and answers newcomers with 503. */
class ShutdownTest {

    @Test
    void in_flight_request_completes_and_a_request_during_shutdown_gets_503() throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ofSeconds(30))
                .staticResources("/assets", "public"));
        app.get("/slow", ctx -> {
            entered.countDown();
            release.await();
            return "finished";
        });
        app.get("/fast", ctx -> "fast");
        app.start(0);
        CompletableFuture<Void> stopping = null;
        try (RawHttp slow = RawHttp.connect(app.port()); RawHttp kept = RawHttp.connect(app.port());
             RawHttp keptForFiles = RawHttp.connect(app.port())) {
            assertThat(kept.get("/fast").status()).isEqualTo(200); // the connection is open and kept alive
            assertThat(keptForFiles.get("/assets/app.js").status()).isEqualTo(200);
            slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

            stopping = CompletableFuture.runAsync(app::stop);
            var during = new AtomicReference<RawHttp.Response>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                var response = kept.get("/fast");
                during.set(response);
                return response.status() != 200;
            });
            assertThat(during.get().status()).isEqualTo(503);
            assertThat(during.get().header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(during.get().header("Retry-After")).isNotNull();
            assertThat(keptForFiles.get("/assets/app.js").status()).isEqualTo(503);
            assertThat(stopping).isNotDone();

            release.countDown();
            var finished = slow.read();
            assertThat(finished.status()).isEqualTo(200);
            assertThat(finished.text()).isEqualTo("finished");
            stopping.get(20, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            app.stop();
        }
    }

    @Test
    void stop_returns_after_the_grace_period_and_interrupts_what_is_left() throws Exception {
        var entered = new CountDownLatch(1);
        var interrupted = new CountDownLatch(1);
        var never = new CountDownLatch(1);
        var app = Spindle.create(config -> config.shutdownGrace(Duration.ZERO));
        app.get("/stuck", ctx -> {
            entered.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "unreachable";
        });
        app.start(0);
        try (RawHttp http = RawHttp.connect(app.port())) {
            http.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            app.stop();
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(http.readOrClosed()).satisfiesAnyOf(
                    response -> assertThat(response).isNull(),
                    response -> assertThat(response.status()).isGreaterThanOrEqualTo(500));
        } finally {
            app.stop();
        }
    }

    static Stream<ThreadingMode> boundedToOneThread() {
        return Stream.of(ThreadingMode.singleThreaded(), ThreadingMode.workerPool(1, 10),
                ThreadingMode.threadPerRequest(1), ThreadingMode.virtualThreads(1));
    }

    @ParameterizedTest
    @MethodSource("boundedToOneThread")
    void stop_answers_requests_still_queued_with_503_at_once_and_lets_the_started_one_finish(ThreadingMode mode)
            throws Exception {
        var entered = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var ran = new java.util.concurrent.atomic.AtomicInteger();
        var app = Spindle.create(config -> config.threading(mode).shutdownGrace(Duration.ofSeconds(30)));
        app.get("/slow", ctx -> {
            ran.incrementAndGet();
            entered.countDown();
            release.await();
            return "finished";
        });
        app.start(0);
        CompletableFuture<Void> stopping = null;
        List<RawHttp> queued = new ArrayList<>();
        try (RawHttp started = RawHttp.connect(app.port())) {
            started.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 4; i++) {
                RawHttp waiting = RawHttp.connect(app.port());
                queued.add(waiting);
                waiting.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            await().until(() -> app.dispatchers().getFirst().queued() == 4);

            stopping = CompletableFuture.runAsync(app::stop);
            for (RawHttp waiting : queued) {
                RawHttp.Response refused = waiting.read(); // while the started request still holds its thread
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.header("Retry-After")).isNotNull();
                assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
            }
            assertThat(stopping).isNotDone();
            release.countDown();
            var finished = started.read();
            assertThat(finished.status()).isEqualTo(200);
            assertThat(finished.text()).isEqualTo("finished");
            stopping.get(20, TimeUnit.SECONDS);
            assertThat(ran).hasValue(1);
        } finally {
            release.countDown();
            for (RawHttp waiting : queued) {
                waiting.close();
            }
            app.stop();
        }
    }
}
