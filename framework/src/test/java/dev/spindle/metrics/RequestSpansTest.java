package dev.spindle.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.DispatcherStats;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The span recorder behind the demo's thread timeline, through a real server: nothing is recorded
 * until someone subscribes; then each request is a span on the thread that ran it, its queue wait
 * attributed to the routes that held the thread, and refused requests appear too. A {@link MockClock}
 * drives the waits, so their lengths are exact; handlers are held on latches.
 */
class RequestSpansTest {

    private final MockClock clock = new MockClock();
    private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final CountDownLatch slowEntered = new CountDownLatch(1);
    private final CountDownLatch releaseSlow = new CountDownLatch(1);

    private Spindle app(ThreadingMode mode) {
        Spindle app = Spindle.create(config -> config.threading(mode).meterRegistry(registry));
        app.get("/fast", ctx -> "fast");
        app.get("/slow", ctx -> {
            slowEntered.countDown();
            releaseSlow.await(30, TimeUnit.SECONDS);
            return "slow";
        });
        return app;
    }

    private static CompletableFuture<HttpResponse<String>> send(SpindleTest.Client client, String path) {
        return client.http().sendAsync(client.request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code spans} until {@code count} spans have come, and returns them in sequence order. */
    private static List<RequestSpan> awaitSpans(RequestSpans.Subscription spans, int count) {
        List<RequestSpan> seen = new ArrayList<>();
        await().until(() -> {
            seen.addAll(spans.poll());
            return seen.size() >= count;
        });
        seen.sort(Comparator.comparingLong(RequestSpan::sequence));
        return seen;
    }

    @Test
    void nothing_is_recorded_while_nobody_subscribes() throws Exception {
        Spindle app = app(ThreadingMode.workerPool(2, 10));
        SpindleTest.test(app, client -> {
            assertThat(app.spans().recording()).isFalse();
            assertThat(client.get("/fast").body()).isEqualTo("fast");
            try (RequestSpans.Subscription spans = app.spans().subscribe()) {
                assertThat(app.spans().recording()).isTrue();
                assertThat(spans.poll()).isEmpty();
                assertThat(client.get("/fast").body()).isEqualTo("fast");
                RequestSpan span = awaitSpans(spans, 1).getFirst();
                assertThat(span.route()).isEqualTo("/fast");
                assertThat(span.outcome()).isEqualTo(RequestSpan.Outcome.RAN);
                assertThat(span.status()).isEqualTo(200);
                assertThat(span.waitedBehind()).isEmpty();
            }
            assertThat(app.spans().recording()).isFalse();
            assertThat(client.get("/fast").body()).isEqualTo("fast");
            try (RequestSpans.Subscription later = app.spans().subscribe()) {
                // only the span recorded while the first subscription was open is in the buffer
                assertThat(later.poll()).extracting(RequestSpan::sequence).containsExactly(0L);
            }
        });
    }

    @Test
    void in_single_thread_mode_three_fast_requests_wait_on_the_one_lane_behind_slow() throws Exception {
        Spindle app = app(ThreadingMode.singleThreaded());
        SpindleTest.test(app, client -> {
            try (RequestSpans.Subscription spans = app.spans().subscribe()) {
                DispatcherStats dispatcher = app.dispatchers().getFirst();
                var slow = send(client, "/slow");
                slowEntered.await(30, TimeUnit.SECONDS);
                List<CompletableFuture<HttpResponse<String>>> fast = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    fast.add(send(client, "/fast"));
                    int queuedNow = i;
                    await().until(() -> dispatcher.queued() == queuedNow);
                    clock.add(Duration.ofSeconds(1));
                }
                releaseSlow.countDown();
                assertThat(slow.get().statusCode()).isEqualTo(200);
                for (var response : fast) {
                    assertThat(response.get().body()).isEqualTo("fast");
                }

                List<RequestSpan> recorded = awaitSpans(spans, 4);
                RequestSpan slowSpan = recorded.stream().filter(s -> s.route().equals("/slow")).findFirst().orElseThrow();
                List<RequestSpan> fastSpans = recorded.stream().filter(s -> s.route().equals("/fast"))
                        .sorted(Comparator.comparingLong(RequestSpan::readyNanos)).toList();
                assertThat(fastSpans).hasSize(3);
                assertThat(recorded).extracting(RequestSpan::thread).containsOnly(slowSpan.thread());
                assertThat(recorded).extracting(RequestSpan::threadId).containsOnly(slowSpan.threadId());
                assertThat(slowSpan.waitedBehind()).isEmpty();
                assertThat(slowSpan.endNanos() - slowSpan.startNanos()).isEqualTo(Duration.ofSeconds(3).toNanos());
                long[] expectedWaits = {3, 2, 1};
                for (int i = 0; i < 3; i++) {
                    RequestSpan span = fastSpans.get(i);
                    long wait = Duration.ofSeconds(expectedWaits[i]).toNanos();
                    assertThat(span.startNanos() - span.readyNanos()).isEqualTo(wait);
                    assertThat(span.startNanos()).isGreaterThanOrEqualTo(slowSpan.endNanos());
                    assertThat(span.waitedBehind()).containsExactly(new RequestSpan.Wait("/slow", wait));
                    assertThat(span.dispatcher()).isEqualTo(slowSpan.dispatcher());
                }
            }
        });
    }

    @Test
    void a_refused_request_is_a_span_without_a_thread_blocked_by_the_route_that_held_it() throws Exception {
        Spindle app = app(ThreadingMode.singleThreaded(0));
        SpindleTest.test(app, client -> {
            try (RequestSpans.Subscription spans = app.spans().subscribe()) {
                var slow = send(client, "/slow");
                slowEntered.await(30, TimeUnit.SECONDS);
                assertThat(client.get("/fast").statusCode()).isEqualTo(503);
                RequestSpan refused = awaitSpans(spans, 1).getFirst();
                releaseSlow.countDown();
                assertThat(slow.get().statusCode()).isEqualTo(200);

                assertThat(refused.route()).isEqualTo("/fast");
                assertThat(refused.outcome()).isEqualTo(RequestSpan.Outcome.REFUSED);
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.thread()).isNull();
                assertThat(refused.threadId()).isEqualTo(-1);
                assertThat(refused.waitedBehind()).extracting(RequestSpan.Wait::route).containsExactly("/slow");
            }
        });
    }

    @Test
    void with_virtual_threads_each_request_has_its_own_thread_and_never_waits() throws Exception {
        Spindle app = app(ThreadingMode.virtualThreads());
        SpindleTest.test(app, client -> {
            try (RequestSpans.Subscription spans = app.spans().subscribe()) {
                var slow = send(client, "/slow");
                slowEntered.await(30, TimeUnit.SECONDS);
                for (int i = 0; i < 3; i++) {
                    assertThat(client.get("/fast").body()).isEqualTo("fast");
                }
                List<RequestSpan> fast = awaitSpans(spans, 3);
                releaseSlow.countDown();
                assertThat(slow.get().statusCode()).isEqualTo(200);
                assertThat(fast).allSatisfy(span -> {
                    assertThat(span.route()).isEqualTo("/fast");
                    assertThat(span.virtual()).isTrue();
                    assertThat(span.waitedBehind()).isEmpty();
                });
                assertThat(fast).extracting(RequestSpan::threadId).doesNotHaveDuplicates();
            }
        });
    }
}
