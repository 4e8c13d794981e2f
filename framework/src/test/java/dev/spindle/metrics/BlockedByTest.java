package dev.spindle.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.Dispatcher;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * "Fast routes blocked by slow ones", proven through the registry: whether /fast waited for a
 * thread, how long, and behind which route, in each mode. /slow is held on a latch, never by time.
 */
class BlockedByTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger slowEntered = new AtomicInteger();

    private Spindle app(ThreadingMode mode, Consumer<Spindle> extra) {
        Spindle app = Spindle.create(config -> config.threading(mode).meterRegistry(registry)
                .blockedThreshold(Duration.ZERO));
        extra.accept(app);
        app.get("/fast", ctx -> "fast");
        return app;
    }

    private void slowRoute(Spindle app) {
        app.get("/slow", ctx -> {
            slowEntered.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            return "slow";
        });
    }

    private static CompletableFuture<HttpResponse<String>> send(SpindleTest.Client client, String path) {
        return client.http().sendAsync(client.request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double blocked(String uri, String blocker) {
        Counter counter = registry.find(MeterNames.REQUEST_BLOCKED).tag("uri", uri).tag("blocker", blocker).counter();
        return counter == null ? 0 : counter.count();
    }

    private double blockedTotal() {
        return registry.find(MeterNames.REQUEST_BLOCKED).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void in_single_thread_mode_fast_waits_the_whole_time_slow_holds_the_thread_and_is_blocked_by_slow() throws Exception {
        Spindle app = app(ThreadingMode.singleThreaded(), this::slowRoute);
        SpindleTest.test(app, client -> {
            Dispatcher dispatcher = app.dispatchers().getFirst();
            var slow = send(client, "/slow");
            await().until(() -> slowEntered.get() == 1);
            var fast = send(client, "/fast");
            await().until(() -> dispatcher.queued() == 1);
            long queuedSeen = System.nanoTime();
            await().until(() -> registry.find(MeterNames.DISPATCHER_QUEUED).tag("dispatcher", "app").gauge().value() == 1);
            long released = System.nanoTime();
            release.countDown();

            assertThat(fast.get().body()).isEqualTo("fast");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            Timer queued = registry.get(MeterNames.REQUEST_QUEUED).tags("uri", "/fast", "method", "GET").timer();
            assertThat(queued.count()).isEqualTo(1);
            assertThat(queued.max(TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(released - queuedSeen);
            assertThat(blocked("/fast", "/slow")).isEqualTo(1);
            assertThat(blockedTotal()).isEqualTo(1);
        });
    }

    @Test
    void with_a_thread_per_request_fast_is_never_blocked() throws Exception {
        fastIsNotBlockedWhileSlowIsHeld(ThreadingMode.threadPerRequest());
    }

    @Test
    void with_virtual_threads_fast_is_never_blocked() throws Exception {
        fastIsNotBlockedWhileSlowIsHeld(ThreadingMode.virtualThreads());
    }

    private void fastIsNotBlockedWhileSlowIsHeld(ThreadingMode mode) throws Exception {
        Spindle app = app(mode, this::slowRoute);
        SpindleTest.test(app, client -> {
            var slow = List.of(send(client, "/slow"), send(client, "/slow"));
            await().until(() -> slowEntered.get() == 2);
            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");
            release.countDown();
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(blockedTotal()).isZero();
            assertThat(registry.get(MeterNames.REQUEST_QUEUED).tags("uri", "/fast").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void in_a_saturated_worker_pool_fast_is_blocked_by_slow() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(2, 10), this::slowRoute);
        SpindleTest.test(app, client -> {
            var slow = List.of(send(client, "/slow"), send(client, "/slow"));
            await().until(() -> slowEntered.get() == 2);
            var fast = send(client, "/fast");
            await().until(() -> app.dispatchers().getFirst().queued() == 1);
            release.countDown();
            assertThat(fast.get().body()).isEqualTo("fast");
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(blocked("/fast", "/slow")).isEqualTo(1);
        });
    }

    @Test
    void with_slow_behind_a_bulkhead_fast_is_not_blocked() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(2, 10), bulkhead -> bulkhead.get("/slow", ctx -> {
            slowEntered.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            return "slow";
        }, route -> route.threading(ThreadingMode.workerPool(2, 10))));
        SpindleTest.test(app, client -> {
            var slow = List.of(send(client, "/slow"), send(client, "/slow"), send(client, "/slow"));
            await().until(() -> slowEntered.get() == 2 && app.dispatchers().get(1).queued() == 1);
            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");
            release.countDown();
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(blocked("/fast", "/slow")).isZero();
            assertThat(blocked("/slow", "/slow")).isEqualTo(1);
        });
    }

    @Test
    void a_rejection_is_counted_per_dispatcher() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(1, 0), this::slowRoute);
        SpindleTest.test(app, client -> {
            var slow = send(client, "/slow");
            await().until(() -> slowEntered.get() == 1);
            assertThat(send(client, "/fast").get().statusCode()).isEqualTo(503);
            release.countDown();
            assertThat(slow.get().statusCode()).isEqualTo(200);
            FunctionCounter rejected = registry.get(MeterNames.DISPATCHER_REJECTED)
                    .tags("dispatcher", "app", "mode", "pool").functionCounter();
            assertThat(rejected.count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.HTTP_SERVER_REQUESTS)
                    .tags("uri", "/fast", "status", "503", "outcome", "SERVER_ERROR").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void a_handler_holding_the_single_thread_too_long_is_reported_once() throws Exception {
        Spindle app = Spindle.create(config -> config.threading(ThreadingMode.singleThreaded())
                .meterRegistry(registry).overdueThreshold(Duration.ofMillis(20)));
        slowRoute(app);
        SpindleTest.test(app, client -> {
            var slow = send(client, "/slow");
            await().until(() -> {
                Counter overdue = registry.find(MeterNames.HANDLER_OVERDUE).tag("uri", "/slow").counter();
                return overdue != null && overdue.count() == 1;
            });
            release.countDown();
            assertThat(slow.get().statusCode()).isEqualTo(200);
            assertThat(registry.get(MeterNames.HANDLER_OVERDUE).tag("uri", "/slow").counter().count()).isEqualTo(1);
        });
    }
}
