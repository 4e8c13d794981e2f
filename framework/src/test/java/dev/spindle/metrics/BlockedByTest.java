package dev.spindle.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.DispatcherStats;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "Fast routes blocked by slow ones", proven through the registry: whether a request waited for a
 * thread, how long, and behind which routes, in each mode. Handlers are held on latches, never by
 * time, and one {@link MockClock} drives both the queue wait and its attribution, so the blocked
 * threshold (the default 5 ms here) and the split in seconds are exact.
 */
class BlockedByTest {

    private final MockClock clock = new MockClock();
    private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    /** Latches by name: a handler of {@code /hold?name=x} holds its thread until {@code release("x")}. */
    private final Map<String, CountDownLatch> latches = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> entered = new ConcurrentHashMap<>();

    private Spindle app(ThreadingMode mode, Consumer<Spindle> extra) {
        Spindle app = Spindle.create(config -> config.threading(mode).meterRegistry(registry));
        extra.accept(app);
        app.get("/fast", ctx -> "fast");
        return app;
    }

    /** Declares {@code GET path}, whose handler holds its thread until the test releases {@code ?name=}. */
    private void holding(Spindle app, String path) {
        app.get(path, ctx -> {
            String name = ctx.queryParam("name");
            entered.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            latch(name).await(30, TimeUnit.SECONDS);
            return name;
        });
    }

    private CountDownLatch latch(String name) {
        return latches.computeIfAbsent(name, n -> new CountDownLatch(1));
    }

    private void release(String name) {
        latch(name).countDown();
    }

    private void awaitEntered(String name) {
        await().until(() -> entered.containsKey(name) && entered.get(name).get() == 1);
    }

    private static CompletableFuture<HttpResponse<String>> send(SpindleTest.Client client, String path) {
        return client.http().sendAsync(client.request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double blocked(String uri, String blocker, String outcome) {
        Counter counter = registry.find(MeterNames.REQUEST_BLOCKED)
                .tags("uri", uri, "blocker", blocker, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    private double blockedCount(String uri) {
        return registry.find(MeterNames.REQUEST_BLOCKED).tag("uri", uri).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private double blockedSeconds(String uri, String blocker) {
        Counter counter = registry.find(MeterNames.REQUEST_BLOCKED_SECONDS).tags("uri", uri, "blocker", blocker).counter();
        return counter == null ? 0 : counter.count();
    }

    private Timer queued(String uri, String outcome) {
        return registry.get(MeterNames.REQUEST_QUEUED).tags("uri", uri, "outcome", outcome).timer();
    }

    @Test
    void in_single_thread_mode_three_fast_requests_queued_behind_slow_are_all_blocked_by_slow() throws Exception {
        Spindle app = app(ThreadingMode.singleThreaded(), a -> holding(a, "/slow"));
        SpindleTest.test(app, client -> {
            DispatcherStats dispatcher = app.dispatchers().getFirst();
            var slow = send(client, "/slow?name=slow");
            awaitEntered("slow");
            List<CompletableFuture<HttpResponse<String>>> fast = new java.util.ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                fast.add(send(client, "/fast"));
                int queuedNow = i;
                await().until(() -> dispatcher.queued() == queuedNow);
                clock.add(Duration.ofSeconds(1));
            }
            release("slow");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            for (var response : fast) {
                assertThat(response.get().body()).isEqualTo("fast");
            }

            // waits of 3, 2 and 1 s: all of them spent behind /slow, none behind the /fast ahead in the queue
            assertThat(queued("/fast", "started").count()).isEqualTo(3);
            assertThat(queued("/fast", "started").totalTime(TimeUnit.SECONDS)).isEqualTo(6.0);
            assertThat(blocked("/fast", "/slow", "started")).isEqualTo(3);
            assertThat(blocked("/fast", "/fast", "started")).isZero();
            assertThat(blockedSeconds("/fast", "/slow")).isEqualTo(6.0);
            assertThat(blockedSeconds("/fast", "/fast")).isZero();
            assertThat(blockedCount("/slow")).isZero();
        });
    }

    @Test
    void in_a_pool_a_wait_splits_by_thread_time_among_routes_that_held_threads_during_it() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(2, 10), a -> {
            holding(a, "/slow");
            holding(a, "/medium");
        });
        SpindleTest.test(app, client -> {
            DispatcherStats pool = app.dispatchers().getFirst();
            var slow = send(client, "/slow?name=slow");
            awaitEntered("slow");
            var medium1 = send(client, "/medium?name=m1");
            awaitEntered("m1");
            var medium2 = send(client, "/medium?name=m2");
            await().until(() -> pool.queued() == 1);
            var fast = send(client, "/fast");
            await().until(() -> pool.queued() == 2);

            clock.add(Duration.ofSeconds(1));
            release("m1");
            awaitEntered("m2"); // /medium #2 takes the thread #1 gave back, partway through /fast's wait
            clock.add(Duration.ofSeconds(1));
            release("m2");
            assertThat(fast.get().body()).isEqualTo("fast");
            release("slow");
            for (var response : List.of(slow, medium1, medium2)) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }

            // /fast waited 2 s; /slow held a thread all along (2 thread-seconds), /medium #1 then #2 the
            // other one (1 + 1): a tie, which goes to /slow, the route holding its thread longest
            assertThat(queued("/fast", "started").totalTime(TimeUnit.SECONDS)).isEqualTo(2.0);
            assertThat(blocked("/fast", "/slow", "started")).isEqualTo(1);
            assertThat(blocked("/fast", "/medium", "started")).isZero();
            assertThat(blockedSeconds("/fast", "/slow")).isEqualTo(1.0);
            assertThat(blockedSeconds("/fast", "/medium")).isEqualTo(1.0);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a", "/b"})
    void a_tie_goes_to_the_route_that_has_held_its_thread_longest(String first) throws Exception {
        String second = first.equals("/a") ? "/b" : "/a";
        Spindle app = app(ThreadingMode.workerPool(2, 10), a -> {
            holding(a, "/a");
            holding(a, "/b");
        });
        SpindleTest.test(app, client -> {
            DispatcherStats pool = app.dispatchers().getFirst();
            var older = send(client, first + "?name=older");
            awaitEntered("older");
            clock.add(Duration.ofSeconds(5));
            var newer = send(client, second + "?name=newer");
            awaitEntered("newer");
            var fast = send(client, "/fast");
            await().until(() -> pool.queued() == 1);
            clock.add(Duration.ofSeconds(1));
            release("newer"); // the route that hands /fast its thread is not the one it is blamed on
            assertThat(fast.get().body()).isEqualTo("fast");
            release("older");
            assertThat(older.get().statusCode()).isEqualTo(200);
            assertThat(newer.get().statusCode()).isEqualTo(200);

            assertThat(blocked("/fast", first, "started")).isEqualTo(1);
            assertThat(blocked("/fast", second, "started")).isZero();
            assertThat(blockedSeconds("/fast", first)).isEqualTo(0.5);
            assertThat(blockedSeconds("/fast", second)).isEqualTo(0.5);
        });
    }

    @Test
    void a_wait_under_the_threshold_is_not_counted_but_its_seconds_are() throws Exception {
        Spindle app = app(ThreadingMode.singleThreaded(), a -> holding(a, "/slow"));
        SpindleTest.test(app, client -> {
            var slow = send(client, "/slow?name=slow");
            awaitEntered("slow");
            var fast = send(client, "/fast");
            await().until(() -> app.dispatchers().getFirst().queued() == 1);
            clock.add(Duration.ofMillis(4)); // the default threshold is 5 ms
            release("slow");
            assertThat(fast.get().body()).isEqualTo("fast");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            assertThat(blockedCount("/fast")).isZero();
            assertThat(blockedSeconds("/fast", "/slow")).isEqualTo(0.004);
        });
    }

    @Test
    void refused_and_expired_requests_are_counted_and_an_expired_one_frees_its_place_at_once() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(1, 1), a -> {
            holding(a, "/slow");
            a.get("/late", ctx -> "late", route -> route.timeout(Duration.ofSeconds(1)));
        });
        SpindleTest.test(app, client -> {
            DispatcherStats pool = app.dispatchers().getFirst();
            var slow = send(client, "/slow?name=slow");
            awaitEntered("slow");
            var late = send(client, "/late");
            await().pollInterval(Duration.ofMillis(2)).until(() -> pool.queued() == 1);
            clock.add(Duration.ofSeconds(2)); // before /late's deadline fires (1 s of real time)

            HttpResponse<String> refused = send(client, "/fast").get();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();

            HttpResponse<String> expired = late.get();
            assertThat(expired.statusCode()).isEqualTo(503);
            assertThat(expired.body()).contains("deadline");
            assertThat(pool.queued()).isZero();

            var next = send(client, "/fast"); // takes the freed place instead of being refused
            await().until(() -> pool.queued() == 1);
            release("slow");
            assertThat(next.get().statusCode()).isEqualTo(200);
            assertThat(slow.get().statusCode()).isEqualTo(200);

            assertThat(queued("/fast", "refused").count()).isEqualTo(1);
            assertThat(queued("/late", "expired").count()).isEqualTo(1);
            assertThat(queued("/late", "expired").totalTime(TimeUnit.SECONDS)).isEqualTo(2.0);
            assertThat(blocked("/fast", "/slow", "refused")).isEqualTo(1);
            assertThat(blocked("/late", "/slow", "expired")).isEqualTo(1);
            assertThat(blockedSeconds("/late", "/slow")).isEqualTo(2.0);
            assertThat(registry.get(MeterNames.REQUEST_TIMEOUTS).tag("uri", "/late").counter().count()).isEqualTo(1);
            assertThat(registry.get(MeterNames.DISPATCHER_REJECTED).tags("dispatcher", "app").functionCounter().count())
                    .isEqualTo(1);
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
        Spindle app = app(mode, a -> holding(a, "/slow"));
        SpindleTest.test(app, client -> {
            var slow = List.of(send(client, "/slow?name=s1"), send(client, "/slow?name=s2"));
            awaitEntered("s1");
            awaitEntered("s2");
            clock.add(Duration.ofSeconds(1));
            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");
            release("s1");
            release("s2");
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(registry.find(MeterNames.REQUEST_BLOCKED).counters()).isEmpty();
            assertThat(registry.find(MeterNames.REQUEST_BLOCKED_SECONDS).counters()).isEmpty();
            assertThat(queued("/fast", "started").count()).isEqualTo(1);
        });
    }

    @Test
    void with_slow_behind_a_bulkhead_fast_is_not_blocked() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(2, 10), a -> a.get("/slow", ctx -> {
            String name = ctx.queryParam("name");
            entered.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            latch("slow").await(30, TimeUnit.SECONDS);
            return "slow";
        }, route -> route.threading(ThreadingMode.workerPool(2, 10))));
        SpindleTest.test(app, client -> {
            var slow = List.of(send(client, "/slow?name=s1"), send(client, "/slow?name=s2"), send(client, "/slow?name=s3"));
            await().until(() -> entered.size() == 2 && app.dispatchers().get(1).queued() == 1);
            clock.add(Duration.ofSeconds(1));
            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");
            release("slow");
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(blockedCount("/fast")).isZero();
            assertThat(blocked("/slow", "/slow", "started")).isEqualTo(1);
        });
    }

    @Test
    void a_rejection_is_counted_per_dispatcher() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(1, 0), a -> holding(a, "/slow"));
        SpindleTest.test(app, client -> {
            var slow = send(client, "/slow?name=slow");
            awaitEntered("slow");
            assertThat(send(client, "/fast").get().statusCode()).isEqualTo(503);
            release("slow");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            FunctionCounter rejected = registry.get(MeterNames.DISPATCHER_REJECTED)
                    .tags("dispatcher", "app", "mode", "pool").functionCounter();
            assertThat(rejected.count()).isEqualTo(1);
            assertThat(blocked("/fast", "/slow", "refused")).isEqualTo(1);
            await().until(() -> {
                Timer refused = registry.find(MeterNames.HTTP_SERVER_REQUESTS)
                        .tags("uri", "/fast", "status", "503", "outcome", "SERVER_ERROR").timer();
                return refused != null && refused.count() == 1;
            });
        });
    }

    @Test
    void made_up_methods_share_one_method_tag() throws Exception {
        Spindle app = app(ThreadingMode.virtualThreads(), a -> { });
        SpindleTest.test(app, client -> {
            for (int i = 0; i < 5; i++) {
                HttpRequest request = client.request("/fast").method("M" + i, HttpRequest.BodyPublishers.noBody()).build();
                assertThat(client.http().send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
            }
            assertThat(client.get("/fast").statusCode()).isEqualTo(200);
            // the request timer is recorded when the exchange completes, which may be just after the client has read it
            await().until(() -> {
                Timer get = registry.find(MeterNames.HTTP_SERVER_REQUESTS).tags("uri", "/fast", "method", "GET").timer();
                Timer unknown = registry.find(MeterNames.HTTP_SERVER_REQUESTS).tags("uri", "/fast", "method", "UNKNOWN").timer();
                return get != null && get.count() == 1 && unknown != null && unknown.count() == 5;
            });
            assertThat(registry.find(MeterNames.HTTP_SERVER_REQUESTS).timers())
                    .extracting(timer -> timer.getId().getTag("method"))
                    .containsOnly("UNKNOWN", "GET");
            assertThat(registry.find(MeterNames.REQUEST_QUEUED).timers())
                    .extracting(timer -> timer.getId().getTag("method"))
                    .containsOnly("UNKNOWN", "GET");
        });
    }

    @Test
    void a_handler_holding_the_single_thread_too_long_is_reported_once() throws Exception {
        MeterRegistry real = new SimpleMeterRegistry();
        Spindle app = Spindle.create(config -> config.threading(ThreadingMode.singleThreaded())
                .meterRegistry(real).overdueThreshold(Duration.ofMillis(20)));
        holding(app, "/slow");
        SpindleTest.test(app, client -> {
            var slow = send(client, "/slow?name=slow");
            await().until(() -> {
                Counter overdue = real.find(MeterNames.HANDLER_OVERDUE).tag("uri", "/slow").counter();
                return overdue != null && overdue.count() == 1;
            });
            release("slow");
            assertThat(slow.get().statusCode()).isEqualTo(200);
            assertThat(real.get(MeterNames.HANDLER_OVERDUE).tag("uri", "/slow").counter().count()).isEqualTo(1);
        });
    }
}
