package dev.spindle.testing;

import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A JDK {@link WebSocket.Listener} for tests: queues whole text messages (joining fragments) and
 * completes {@link #closed} with the close code, or exceptionally on an error.
 * <pre>{@code
 * var collector = new WebSocketCollector();
 * WebSocket socket = client.http().newWebSocketBuilder().buildAsync(uri, collector).join();
 * assertThat(collector.messages.poll(10, TimeUnit.SECONDS)).contains("SUCCEEDED");
 * }</pre>
 */
public final class WebSocketCollector implements WebSocket.Listener {

    /** Whole text messages, in arrival order. */
    public final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** The close code the server sent. */
    public final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        socket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
        closed.complete(code);
        return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
        closed.completeExceptionally(error);
    }
}
