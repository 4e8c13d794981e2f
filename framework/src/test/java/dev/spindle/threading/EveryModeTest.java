package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.http.HttpException;
import dev.spindle.locks.Mutex;
import dev.spindle.testing.SpindleTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Behaviour that must not depend on the threading mode: hooks, errors, deadlines, shutdown. */
class EveryModeTest {

    static List<ThreadingMode> modes() {
        return Modes.all().toList();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void hooks_and_error_handlers_run_in_order(ThreadingMode mode) throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.before(ctx -> {
            calls.add("before " + ctx.path());
            return null;
        });
        app.after(ctx -> ctx.header("X-After", "yes"));
        app.teardown((ctx, error) -> calls.add("teardown " + ctx.path() + (error == null ? "" : " " + error.getMessage())));
        app.error(IllegalStateException.class, (error, ctx) -> {
            ctx.status(409);
            return "handled: " + error.getMessage();
        });
        app.get("/ok", ctx -> "ok");
        app.get("/boom", ctx -> {
            throw new IllegalStateException("boom");
        });
        SpindleTest.test(app, client -> {
            client.spec().get("/ok").then().statusCode(200).header("X-After", "yes");
            client.spec().get("/boom").then().statusCode(409).header("X-After", "yes");
            await().until(() -> calls.size() == 4);
            assertThat(calls).containsExactly("before /ok", "teardown /ok", "before /boom", "teardown /boom boom");
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_handler_past_its_deadline_gets_503_and_its_thread_does_not_carry_the_interrupt_on(ThreadingMode mode)
            throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch tornDown = new CountDownLatch(1);
        AtomicReference<String> handlerThread = new AtomicReference<>();
        List<String> afterwards = new CopyOnWriteArrayList<>();
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.after(ctx -> afterwards.add("after hook " + (Thread.currentThread().isInterrupted() ? "interrupted" : "clean")));
        app.teardown((ctx, error) -> {
            afterwards.add("teardown " + (Thread.currentThread().isInterrupted() ? "interrupted" : "clean"));
            if (ctx.path().equals("/stuck")) {
                tornDown.countDown();
            }
        });
        app.get("/stuck", ctx -> {
            handlerThread.set(Thread.currentThread().getName());
            // spins without clearing the flag, unlike a blocking call that throws InterruptedException
            while (!Thread.currentThread().isInterrupted()) {
                Thread.onSpinWait();
            }
            interrupted.countDown();
            return "too late";
        }, route -> route.timeout(Duration.ofMillis(200)));
        app.get("/next", ctx -> Thread.currentThread().getName() + " "
                + (Thread.currentThread().isInterrupted() ? "interrupted" : "clean"));
        SpindleTest.test(app, client -> {
            HttpResponse<String> response = client.get("/stuck");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(response.body()).contains("deadline");
            assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
            // the handler returned with the deadline's interrupt still set: it is cleared before the hooks run
            assertThat(tornDown.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(afterwards).containsExactly("after hook clean", "teardown clean");
            // a pooled thread serves a later request: find the one that ran /stuck (at most a round of the pool)
            boolean reusesThreads = mode instanceof ThreadingMode.SingleThreaded || mode instanceof ThreadingMode.WorkerPool;
            String sameThread = null;
            for (int i = 0; i < 50 && sameThread == null; i++) {
                String next = client.get("/next").body();
                assertThat(next).endsWith(" clean");
                if (next.startsWith(handlerThread.get() + " ")) {
                    sameThread = next;
                }
                if (!reusesThreads) {
                    break;
                }
            }
            if (reusesThreads) {
                assertThat(sameThread).isEqualTo(handlerThread.get() + " clean");
            }
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void the_deadline_never_interrupts_after_hooks_or_teardown(ThreadingMode mode) throws Exception {
        CountDownLatch inAfterHook = new CountDownLatch(1);
        CountDownLatch releaseAfterHook = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch tornDown = new CountDownLatch(1);
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.after(ctx -> {
            inAfterHook.countDown();
            try {
                releaseAfterHook.await(30, TimeUnit.SECONDS);
                seen.add("after hook finished");
            } catch (InterruptedException e) {
                seen.add("after hook interrupted");
            }
        });
        app.teardown((ctx, error) -> {
            seen.add(Thread.currentThread().isInterrupted() ? "teardown interrupted" : "teardown clean");
            tornDown.countDown();
        });
        app.get("/quick", ctx -> "quick", route -> route.timeout(Duration.ofMillis(200)));
        SpindleTest.test(app, client -> {
            var response = client.http().sendAsync(client.request("/quick").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(inAfterHook.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(response.get().statusCode()).isEqualTo(503); // the deadline passed while the after hook ran
            releaseAfterHook.countDown();
            assertThat(tornDown.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(seen).containsExactly("after hook finished", "teardown clean");
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void stop_lets_in_flight_requests_finish_and_refuses_new_ones(ThreadingMode mode) throws Exception {
        Gate gate = new Gate();
        Spindle app = Spindle.create(config -> config.threading(mode).shutdownGrace(Duration.ofSeconds(20)));
        app.get("/slow", ctx -> {
            gate.pass("slow");
            return "finished";
        });
        app.start(0);
        var client = new SpindleTest.Client(app.port());
        CompletableFuture<HttpResponse<String>> inFlight =
                client.http().sendAsync(client.request("/slow").build(), HttpResponse.BodyHandlers.ofString());
        await().until(() -> gate.entered() == 1);
        AtomicBoolean stopped = new AtomicBoolean();
        Thread stopper = Thread.ofPlatform().start(() -> {
            app.stop();
            stopped.set(true);
        });
        await().until(() -> stopper.getState() == Thread.State.WAITING || stopper.getState() == Thread.State.TIMED_WAITING);
        assertThat(stopped).isFalse();
        HttpResponse<String> duringShutdown = client.get("/slow");
        assertThat(duringShutdown.statusCode()).isEqualTo(503);
        assertThat(duringShutdown.headers().firstValue("Connection")).hasValue("close");
        assertThat(gate.entered()).isEqualTo(1);

        gate.open();
        HttpResponse<String> response = inFlight.get();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("finished");
        stopper.join();
        assertThat(stopped).isTrue();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void an_http_exception_becomes_its_status_with_a_problem_body(ThreadingMode mode) throws Exception {
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.get("/teapot", ctx -> {
            throw new HttpException(418, "short and stout");
        });
        SpindleTest.test(app, client -> client.spec().get("/teapot").then()
                .statusCode(418)
                .contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.equalTo("short and stout")));
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_lock_timeout_in_a_handler_answers_503_with_retry_after(ThreadingMode mode) throws Exception {
        Mutex inventory = Mutex.create("inventory");
        Spindle app = Spindle.create(config -> config.threading(mode));
        app.post("/orders", ctx -> {
            try (var held = inventory.acquire(Duration.ofMillis(1))) {
                return "ordered";
            }
        });
        try (var heldByTheTest = inventory.acquire()) {
            SpindleTest.test(app, client -> client.spec().post("/orders").then()
                    .statusCode(503)
                    .header("Retry-After", "1")
                    .contentType("application/problem+json")
                    .body("status", org.hamcrest.Matchers.equalTo(503)));
        }
    }
}
