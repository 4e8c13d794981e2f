package dev.spindle.threading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What docs/threading.md says a deadline's interrupt does to a handler blocked in a classic socket
 * read: nothing on a platform thread (the read goes on and returns the next byte), while on a
 * virtual thread it closes the socket and the read throws. No timing: the test waits until the
 * reader is blocked in the socket read, interrupts it, and then looks at what the read did.
 */
class InterruptLimitsTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void an_interrupt_does_not_stop_a_socket_read_on_a_platform_thread() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            CompletableFuture<Object> read = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> complete(read, client));
            awaitParkedInRead(reader);

            reader.interrupt();
            peer.getOutputStream().write(42);

            assertThat(read.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void an_interrupt_closes_the_socket_under_a_virtual_thread_blocked_in_a_read() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket peer = server.accept()) {
            CompletableFuture<Object> read = new CompletableFuture<>();
            Thread reader = Thread.ofVirtual().start(() -> complete(read, client));
            awaitParkedInRead(reader);

            reader.interrupt();

            assertThat(read.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(SocketException.class);
            assertThat(client.isClosed()).isTrue();
            assertThat(peer.isClosed()).isFalse();
        }
    }

    /** Completes {@code read} with the byte read, or with the exception the read threw. */
    private static void complete(CompletableFuture<Object> read, Socket client) {
        try {
            InputStream in = client.getInputStream();
            read.complete(in.read());
        } catch (Exception e) {
            read.complete(e);
        }
    }

    /**
     * Waits until {@code reader} blocks in the socket read: a virtual thread parks in
     * {@code NioSocketImpl.park}, a platform thread sits in the native read of {@code sun.nio.ch}.
     */
    private static void awaitParkedInRead(Thread reader) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> Arrays.stream(reader.getStackTrace())
                .anyMatch(frame -> frame.getClassName().equals("sun.nio.ch.NioSocketImpl") && frame.getMethodName().equals("park")
                        || frame.isNativeMethod() && frame.getClassName().startsWith("sun.nio.ch.")));
    }
}
