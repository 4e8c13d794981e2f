package dev.spindle.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spindle.Spindle;
import dev.spindle.http.EventSink;
import dev.spindle.testing.RawHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An event stream never buffers more than {@link EventSink#MAX_PENDING_BYTES} for a client: one that
 * stops reading is cut off (its close actions run, sends answer {@code false}), while a client that
 * reads gets every event.
 */
class EventStreamBackpressureTest {

    private static final String CHUNK = "x".repeat(64 * 1024);

    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger refusedAt = new AtomicInteger(-1);
    private Spindle app;

    @BeforeEach
    void start() {
        app = Spindle.create();
        app.get("/events", ctx -> {
            int count = ctx.queryParamAsInt("count", 1);
            ctx.eventStream(sink -> {
                sink.onClose(closed::countDown);
                Thread.ofVirtual().name("producer").start(() -> {
                    for (int i = 0; i < count; i++) {
                        if (!sink.send("chunk", CHUNK)) {
                            refusedAt.set(i);
                            return;
                        }
                    }
                    sink.close();
                });
            });
            return null;
        });
        app.start(0);
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    @Test
    void a_client_that_never_reads_is_cut_off_instead_of_buffered_for() throws Exception {
        try (RawHttp http = RawHttp.connect(app.port())) {
            // 4,096 events of 64 KiB: 256 MiB if nothing stopped the producer. The client never reads.
            http.send("GET /events?count=4096 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
            assertThat(closed.await(60, TimeUnit.SECONDS)).as("the stream was closed").isTrue();
            assertThat(refusedAt.get()).as("a send was refused before the producer finished").isBetween(1, 4095);
        }
    }

    @Test
    void a_client_that_reads_gets_every_event_within_the_bound() throws Exception {
        int count = EventSink.MAX_PENDING_BYTES / CHUNK.length() - 2;
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<java.util.stream.Stream<String>> response = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.port() + "/events?count=" + count))
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            long events = response.body().filter(line -> line.startsWith("data:")).count();
            assertThat(events).isEqualTo(count);
            assertThat(refusedAt.get()).isEqualTo(-1);
        }
    }
}
