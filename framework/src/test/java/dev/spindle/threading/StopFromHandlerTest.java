package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.AppThreads;
import dev.spindle.testing.RawHttp;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code app.stop()} called by the app's own request — a handler in each mode, or a
 * {@code nonBlocking} route on the IO thread — cannot wait for that request: it stops the app on a
 * thread of its own and returns, and the request gets its response. Before, the call waited for
 * itself until the grace period (ten minutes here) ran out.
 */
class StopFromHandlerTest {

    static Stream<ThreadingMode> modes() {
        return Stream.concat(Modes.all(), Stream.of(ThreadingMode.nonBlocking()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void a_handler_that_stops_its_app_gets_its_response_and_the_app_stops(ThreadingMode mode) throws Exception {
        AppThreads before = AppThreads.snapshot();
        Spindle app = Spindle.create(config -> config.shutdownGrace(Duration.ofMinutes(10)));
        app.post("/admin/stop", ctx -> {
            app.stop();
            return "stopping";
        }, route -> route.threading(mode));
        int port = app.start(0).port();
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /admin/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            RawHttp.Response answer = http.read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("stopping");

            app.stop(); // from the test's thread: waits until the stop the handler began has finished
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                    .as("the listener is closed").isInstanceOf(IOException.class);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(AppThreads.startedSince(before))
                    .as("threads of the stopped app, the stopping thread included").isEmpty());
        } finally {
            app.stop();
        }
    }
}
