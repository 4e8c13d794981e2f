package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which thread sends a response and ends its request: the connection's IO thread, whatever thread
 * ran the handler, and a request pipelined behind another is routed on the IO thread too. Sending
 * from the handler's thread is legal in Undertow but measured slower (docs/benchmarks.md, "Hot
 * path"). The thread that ended a request is the one its observation stops on.
 */
class ResponseThreadTest {

    static List<ThreadingMode> modes() {
        return Modes.all().toList();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_response_is_sent_and_its_request_ended_on_the_io_thread_not_the_handlers(ThreadingMode mode)
            throws Exception {
        Map<String, Thread> handlers = new ConcurrentHashMap<>();
        Map<String, Thread> ended = new ConcurrentHashMap<>();
        Spindle app = app(mode, ended);
        app.get("/fast", ctx -> {
            handlers.put(ctx.path(), Thread.currentThread());
            return "fast";
        });
        SpindleTest.test(app, client -> {
            client.spec().get("/fast").then().statusCode(200);
            await().until(() -> ended.containsKey("/fast"));
            assertThat(handlers.get("/fast").getName()).startsWith("spindle-" + mode.shortName() + "-app");
            assertThat(ended.get("/fast").getName()).matches("XNIO-\\d+ I/O-\\d+");
        });
    }

    @ParameterizedTest
    @MethodSource("modes")
    void a_pipelined_request_is_answered_after_the_one_before_it_and_routed_on_an_io_thread(ThreadingMode mode)
            throws Exception {
        Spindle app = app(mode, new ConcurrentHashMap<>());
        app.get("/first", ctx -> "first");
        app.get("/io", ctx -> Thread.currentThread().getName(), route -> route.nonBlocking());
        SpindleTest.test(app, client -> {
            try (var http = client.raw()) {
                http.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /io HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(http.read().text()).isEqualTo("first");
                // A non-blocking handler runs on the thread that routed its request.
                assertThat(http.read().text()).matches("XNIO-\\d+ I/O-\\d+");
                assertThat(http.get("/first").text()).isEqualTo("first");
            }
        });
    }

    /** An app whose requests' observations record the thread each one stopped on, by path. */
    private static Spindle app(ThreadingMode mode, Map<String, Thread> ended) {
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                String name = context.getContextualName();
                ended.put(name.substring(name.indexOf(' ') + 1), Thread.currentThread());
            }
        });
        return Spindle.create(config -> config.threading(mode)
                .meterRegistry(new SimpleMeterRegistry())
                .observationRegistry(observations));
    }
}
