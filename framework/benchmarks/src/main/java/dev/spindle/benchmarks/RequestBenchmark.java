package dev.spindle.benchmarks;

import dev.spindle.Spindle;
import dev.spindle.threading.ThreadingMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole request, {@code GET /fast}, through a real server: Undertow on 127.0.0.1 parses it,
 * Spindle routes and dispatches it, the handler answers {@code fast}, the response goes back. The
 * client is a keep-alive HTTP/1.1 connection on a raw socket that writes one pre-encoded request
 * and reads the answer into a reused buffer, so it allocates nothing itself: with {@code -prof gc},
 * the bytes per operation are the server's. One request at a time, so the time is the round trip
 * (both thread hand-overs included), not throughput under load. Run:
 * {@code java -jar framework/benchmarks/target/benchmarks.jar Request -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dorg.jboss.logging.provider=slf4j")
public class RequestBenchmark {

    private static final byte[] REQUEST = "GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "HTTP/1.1 200 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "\r\ncontent-length:".getBytes(StandardCharsets.US_ASCII);

    @Param({"virtual", "pool"})
    public String mode;

    @Param({"off", "on"})
    public String metrics;

    private Spindle app;
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private final byte[] buffer = new byte[8192];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ThreadingMode threading = mode.equals("pool") ? ThreadingMode.workerPool(8, 100) : ThreadingMode.virtualThreads();
        app = Spindle.create(config -> {
            config.threading(threading).host("127.0.0.1");
            if (metrics.equals("on")) {
                config.meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            }
        });
        app.get("/fast", ctx -> "fast");
        app.start(0);
        socket = new Socket(InetAddress.getLoopbackAddress(), app.port());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        socket.close();
        app.stop();
    }

    @Benchmark
    public int request() throws IOException {
        out.write(REQUEST);
        out.flush();
        return readResponse();
    }

    /** Reads one response with a {@code Content-Length} body; returns its length. */
    private int readResponse() throws IOException {
        int filled = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            filled += read(filled);
            headEnd = indexOf(buffer, filled, HEAD_END);
        }
        if (!startsWith(buffer, OK)) {
            throw new IllegalStateException("Not a 200: " + new String(buffer, 0, filled, StandardCharsets.US_ASCII));
        }
        int length = contentLength(headEnd);
        int total = headEnd + 4 + length;
        while (filled < total) {
            filled += read(filled);
        }
        return length;
    }

    private int read(int offset) throws IOException {
        int n = in.read(buffer, offset, buffer.length - offset);
        if (n < 0) {
            throw new EOFException("The server closed the connection");
        }
        return n;
    }

    private int contentLength(int headEnd) {
        for (int i = 0; i + CONTENT_LENGTH.length <= headEnd; i++) {
            if (regionMatchesIgnoreCase(i)) {
                int value = 0;
                int j = i + CONTENT_LENGTH.length;
                while (buffer[j] == ' ') {
                    j++;
                }
                while (buffer[j] >= '0' && buffer[j] <= '9') {
                    value = value * 10 + (buffer[j++] - '0');
                }
                return value;
            }
        }
        throw new IllegalStateException("No Content-Length");
    }

    private boolean regionMatchesIgnoreCase(int at) {
        for (int k = 0; k < CONTENT_LENGTH.length; k++) {
            if (Character.toLowerCase(buffer[at + k]) != CONTENT_LENGTH[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] data, int limit, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= limit; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (data[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
