package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.spindle.Spindle;
import dev.spindle.testing.SpindleTest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebSocketShutdownTest {

    @Test
    void a_websocket_upgrade_arriving_while_the_app_stops_is_refused_with_503() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Spindle app = Spindle.create();
        app.ws("/ws", session -> session.send("hello"));
        app.get("/slow", ctx -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return "done";
        });
        app.start(0);
        int port = app.port();
        try (var client = new SpindleTest.Client(port)) {
            var slow = client.http().sendAsync(client.request("/slow").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            Thread stopper = Thread.ofPlatform().start(app::stop);
            await().until(() -> stopper.getState() == Thread.State.WAITING
                    || stopper.getState() == Thread.State.TIMED_WAITING);

            assertThatThrownBy(() -> client.http().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() { })
                    .join())
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(error -> assertThat(((WebSocketHandshakeException) error).getResponse().statusCode())
                            .isEqualTo(503));

            release.countDown();
            assertThat(slow.get().body()).isEqualTo("done");
            stopper.join();
        }
    }
}
