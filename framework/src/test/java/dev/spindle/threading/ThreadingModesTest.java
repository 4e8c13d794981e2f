package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import dev.spindle.threading.DispatcherStats;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The semantics each mode promises, proven with latches and observed threads, never with clocks. */
class ThreadingModesTest {

    private static CompletableFuture<HttpResponse<String>> send(SpindleTest.Client client, String path) {
        return client.http().sendAsync(client.request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Spindle slowAndFast(ThreadingMode mode, Gate gate) {
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.get("/slow/{n}", ctx -> {
            gate.pass("slow" + ctx.pathParam("n"));
            return "slow";
        });
        app.get("/fast", ctx -> {
            gate.touch("fast");
            return "fast";
        });
        return app;
    }

    @Test
    void single_thread_runs_fast_only_after_every_slow_request_before_it_ended() throws Exception {
        Gate gate = new Gate();
        Spindle app = slowAndFast(ThreadingMode.singleThreaded(), gate);
        SpindleTest.test(app, client -> {
            DispatcherStats dispatcher = app.dispatchers().getFirst();
            var slow1 = send(client, "/slow/1");
            await().until(() -> gate.entered() == 1);
            var slow2 = send(client, "/slow/2");
            await().until(() -> dispatcher.queued() == 1);
            var slow3 = send(client, "/slow/3");
            await().until(() -> dispatcher.queued() == 2);
            var fast = send(client, "/fast");
            await().until(() -> dispatcher.queued() == 3);
            assertThat(fast).isNotDone();

            gate.open();
            for (var response : List.of(slow1, slow2, slow3, fast)) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(gate.events).containsExactly(
                    "start slow1", "end slow1", "start slow2", "end slow2",
                    "start slow3", "end slow3", "start fast", "end fast");
            assertThat(gate.maxInside()).isEqualTo(1);
            assertThat(gate.threads).extracting(Thread::getName).containsOnly("spindle-single-app-1");
        });
    }

    static Stream<ThreadingMode> aThreadPerRequest() {
        return Stream.of(ThreadingMode.threadPerRequest(), ThreadingMode.virtualThreads());
    }

    @ParameterizedTest
    @MethodSource("aThreadPerRequest")
    void a_new_thread_per_request_answers_fast_while_slow_requests_hold_theirs(ThreadingMode mode) throws Exception {
        Gate gate = new Gate();
        Spindle app = slowAndFast(mode, gate);
        SpindleTest.test(app, client -> {
            var slow = IntStream.range(0, 3).mapToObj(i -> send(client, "/slow/" + i)).toList();
            await().until(() -> gate.entered() == 3);

            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");
            assertThat(slow).noneMatch(CompletableFuture::isDone);

            gate.open();
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            boolean virtual = mode instanceof ThreadingMode.VirtualThreads;
            assertThat(gate.threads).doesNotHaveDuplicates().allMatch(thread -> thread.isVirtual() == virtual);
            // Platform threads are numbered; virtual ones, a new one per request, share their dispatcher's name.
            assertThat(gate.threads).extracting(Thread::getName).allMatch(name -> virtual
                    ? name.equals("spindle-virtual-app")
                    : name.startsWith("spindle-" + mode.shortName() + "-app-"));
            await().until(() -> gate.threads.stream().noneMatch(Thread::isAlive));
            assertThat(gate.maxInside()).isEqualTo(4);
        });
    }

    @Test
    void virtual_threads_with_a_limit_queue_the_excess_and_refuse_past_the_queue() throws Exception {
        Gate gate = new Gate();
        Spindle app = slowAndFast(new ThreadingMode.VirtualThreads(2, 1), gate);
        SpindleTest.test(app, client -> {
            DispatcherStats dispatcher = app.dispatchers().getFirst();
            var first = List.of(send(client, "/slow/1"), send(client, "/slow/2"));
            await().until(() -> gate.entered() == 2);
            var queued = send(client, "/slow/3");
            await().until(() -> dispatcher.queued() == 1);

            HttpResponse<String> refused = send(client, "/fast").get();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();

            gate.open();
            assertThat(queued.get().statusCode()).isEqualTo(200);
            for (var response : first) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(gate.maxInside()).isEqualTo(2);
            assertThat(dispatcher.rejected()).isEqualTo(1);
        });
    }

    @Test
    void worker_pool_refuses_at_once_when_threads_and_queue_are_full() throws Exception {
        Gate gate = new Gate();
        Spindle app = slowAndFast(ThreadingMode.workerPool(2, 1), gate);
        SpindleTest.test(app, client -> {
            DispatcherStats dispatcher = app.dispatchers().getFirst();
            var running = List.of(send(client, "/slow/1"), send(client, "/slow/2"));
            await().until(() -> gate.entered() == 2);
            var queued = send(client, "/slow/3");
            await().until(() -> dispatcher.queued() == 1);

            HttpResponse<String> refused = send(client, "/fast").get();
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(refused.body()).contains("\"status\":503");
            assertThat(running).noneMatch(CompletableFuture::isDone);

            gate.open();
            assertThat(queued.get().statusCode()).isEqualTo(200);
            for (var response : running) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(gate.threads).extracting(Thread::getName)
                    .allMatch(name -> name.equals("spindle-pool-app-1") || name.equals("spindle-pool-app-2"));
            assertThat(dispatcher.rejected()).isEqualTo(1);
        });
    }

    @Test
    void a_bulkhead_keeps_fast_answering_while_slow_saturates_its_own_pool() throws Exception {
        Gate gate = new Gate();
        Spindle app = Spindle.create(config -> config.threading(ThreadingMode.workerPool(2, 10)));
        app.get("/slow/{n}", ctx -> {
            gate.pass("slow" + ctx.pathParam("n"));
            return "slow";
        }, route -> route.threading(ThreadingMode.workerPool(2, 10)));
        app.get("/fast", ctx -> "fast");
        SpindleTest.test(app, client -> {
            DispatcherStats slowPool = app.dispatchers().get(1);
            assertThat(slowPool.name()).isEqualTo("/slow/{n}");
            var slow = IntStream.range(0, 4).mapToObj(i -> send(client, "/slow/" + i)).toList();
            await().until(() -> gate.entered() == 2 && slowPool.queued() == 2);

            assertThat(send(client, "/fast").get().body()).isEqualTo("fast");

            gate.open();
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
            assertThat(gate.threads).extracting(Thread::getName)
                    .allMatch(name -> name.startsWith("spindle-pool-/slow/{n}-"));
        });
    }

    @Test
    void without_a_bulkhead_fast_waits_behind_slow_in_a_saturated_pool() throws Exception {
        Gate gate = new Gate();
        Spindle app = slowAndFast(ThreadingMode.workerPool(2, 10), gate);
        SpindleTest.test(app, client -> {
            DispatcherStats pool = app.dispatchers().getFirst();
            var slow = List.of(send(client, "/slow/1"), send(client, "/slow/2"));
            await().until(() -> gate.entered() == 2);
            var fast = send(client, "/fast");
            await().until(() -> pool.queued() == 1);
            assertThat(fast).isNotDone();

            gate.open();
            assertThat(fast.get().body()).isEqualTo("fast");
            int firstSlowEnd = Math.min(gate.events.indexOf("end slow1"), gate.events.indexOf("end slow2"));
            assertThat(gate.events.indexOf("start fast")).isGreaterThan(firstSlowEnd);
            for (var response : slow) {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
        });
    }

    @Test
    void a_non_blocking_route_runs_on_the_io_thread() throws Exception {
        Spindle app = Spindle.create();
        app.get("/io", ctx -> Thread.currentThread().getName(), route -> route.nonBlocking());
        SpindleTest.test(app, client -> assertThat(client.get("/io").body()).contains("I/O"));
    }
}
