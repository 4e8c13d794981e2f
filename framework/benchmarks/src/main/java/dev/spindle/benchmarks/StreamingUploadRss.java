package dev.spindle.benchmarks;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Resident memory of a Spindle server while many clients upload to a streaming route at once.
 * Each variant is a server JVM ({@link StreamingUploadServer}) with a framework jar of some build
 * ahead of this module's own jar on its class path, or this build alone; the variants take turns,
 * round after round (A B A B), each in a fresh JVM, so drift on the machine hits them alike.
 *
 * <p>One measurement: start the server, warm it up with 100 small uploads, read its idle RSS, then
 * open all connections, send every request head, and once all are sent, send each 1 MiB body in
 * 16 KiB writes with a pause after each, so every upload is in progress at once and each handler
 * waits for its body many times. The server's {@code /proc/<pid>/status} ({@code VmRSS},
 * {@code Threads}) and its open file descriptors are sampled every 50 ms during the load, its direct
 * buffers (the JVM's own count, where Undertow's pooled buffers live) every 200 ms, and RSS and
 * direct buffers once more 3 s after it. Loopback only; every step is bounded (a variant that does not finish its
 * load within 60 s is reported as such).
 *
 * <pre>{@code
 * java -cp framework/benchmarks/target/benchmarks.jar dev.spindle.benchmarks.StreamingUploadRss \
 *     --variant main=/tmp/main/framework/target/spindle-0.1.0-SNAPSHOT.jar --variant branch= --rounds 2
 * }</pre>
 * Options: {@code --connections} (1,000; at most 2,000), {@code --body-kib} (1,024; at most
 * 8,192), {@code --chunk-kib} (16), {@code --pause-ms} (10), {@code --rounds} (2; at most 5),
 * {@code --mode virtual|threaded} (virtual), {@code --variant LABEL=JAR} (at most 4; an empty JAR
 * means this build; default: this build alone), {@code --server-option OPTION} (a JVM option for
 * every server, after {@code -Xmx1g}; repeatable).
 */
public final class StreamingUploadRss {

    private static final long LOAD_BOUND_SECONDS = 60;

    private StreamingUploadRss() {
    }

    record Variant(String label, String jar) {
    }

    record Settings(int connections, int bodyBytes, int chunkBytes, int pauseMillis, int rounds, String mode,
                    List<Variant> variants, List<String> serverOptions) {
    }

    record Result(Variant variant, int round, long idleKib, long peakKib, long afterKib, long peakDirect,
                  long peakDirectBuffers, long afterDirect, int idleFds, int peakFds, int peakThreads, int ok, int failed,
                  double seconds) {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        System.out.printf("%,d uploads of %,d KiB in %,d KiB writes, %d ms apart, %s threads; %d round(s) of %s%n",
                settings.connections(), settings.bodyBytes() / 1024, settings.chunkBytes() / 1024,
                settings.pauseMillis(), settings.mode(), settings.rounds(),
                settings.variants().stream().map(Variant::label).toList());
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= settings.rounds(); round++) {
            for (Variant variant : settings.variants()) {
                Result result = measure(settings, variant, round);
                System.out.printf("%s, round %d: RSS idle %s, peak %s, 3 s after %s; direct peak %s in %d buffers, "
                                + "after %s; fds %d -> %d; threads %d; %d ok, %d failed in %.1f s%n", variant.label(),
                        round, mib(result.idleKib()), mib(result.peakKib()), mib(result.afterKib()),
                        mib(result.peakDirect() / 1024), result.peakDirectBuffers(), mib(result.afterDirect() / 1024),
                        result.idleFds(), result.peakFds(), result.peakThreads(), result.ok(), result.failed(),
                        result.seconds());
                results.add(result);
            }
        }
        System.out.println();
        System.out.println("| variant | round | RSS idle | RSS peak | RSS 3 s after | direct peak (buffers) "
                + "| direct 3 s after | fds idle → peak | peak threads | uploads ok | load s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf("| %s | %d | %s | %s | %s | %s (%,d) | %s | %d → %,d | %d | %,d / %,d | %.1f |%n",
                    r.variant().label(), r.round(), mib(r.idleKib()), mib(r.peakKib()), mib(r.afterKib()),
                    mib(r.peakDirect() / 1024), r.peakDirectBuffers(), mib(r.afterDirect() / 1024), r.idleFds(),
                    r.peakFds(), r.peakThreads(), r.ok(), r.ok() + r.failed(), r.seconds());
        }
    }

    private static Result measure(Settings settings, Variant variant, int round) throws Exception {
        Process server = start(settings, variant);
        try {
            int port = port(server);
            long pid = server.pid();
            upload(port, 100, 64 * 1024, 16 * 1024, 0);
            Thread.sleep(2_000);
            long idleKib = status(pid, "VmRSS:");
            int idleFds = fds(pid);
            Peaks peaks = new Peaks(pid, port);
            Thread sampler = Thread.ofPlatform().daemon().start(peaks::sample);
            long start = System.nanoTime();
            int[] outcome = upload(port, settings.connections(), settings.bodyBytes(), settings.chunkBytes(),
                    settings.pauseMillis());
            double seconds = (System.nanoTime() - start) / 1e9;
            peaks.stop.set(true);
            sampler.join();
            Thread.sleep(3_000);
            return new Result(variant, round, idleKib, peaks.rssKib, status(pid, "VmRSS:"), peaks.directBytes,
                    peaks.directBuffers, directMemory(port)[1], idleFds, peaks.fds, peaks.threads, outcome[0],
                    outcome[1], seconds);
        } finally {
            server.getOutputStream().close();
            if (!server.waitFor(15, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static Process start(Settings settings, Variant variant) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String self = Path.of(StreamingUploadRss.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        String classPath = variant.jar().isEmpty() ? self : variant.jar() + File.pathSeparator + self;
        File log = new File(System.getProperty("java.io.tmpdir"), "streaming-upload-server.log");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        command.addAll(settings.serverOptions());
        command.addAll(List.of("-cp", classPath, StreamingUploadServer.class.getName(), settings.mode()));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    private static int port(Process server) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("PORT ")) {
                return Integer.parseInt(line.substring(5).trim());
            }
        }
        throw new IOException("The server exited before it listened; see streaming-upload-server.log in the temp dir");
    }

    /**
     * Uploads {@code count} bodies at once, one connection each, every request head sent before any
     * body; returns how many were answered 200 and how many were not.
     */
    private static int[] upload(int port, int count, int bodyBytes, int chunkBytes, int pauseMillis) throws Exception {
        CountDownLatch headsSent = new CountDownLatch(count);
        byte[] head = ("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodyBytes + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] expected = ("HTTP/1.1 200").getBytes(StandardCharsets.US_ASCII);
        List<Future<Boolean>> uploads = new ArrayList<>(count);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                uploads.add(clients.submit(() -> {
                    boolean headSent = false;
                    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(LOAD_BOUND_SECONDS));
                        OutputStream out = socket.getOutputStream();
                        out.write(head);
                        out.flush();
                        headSent = true;
                        headsSent.countDown();
                        if (!headsSent.await(LOAD_BOUND_SECONDS, TimeUnit.SECONDS)) {
                            return false;
                        }
                        byte[] chunk = new byte[chunkBytes];
                        for (int sent = 0; sent < bodyBytes; sent += chunkBytes) {
                            out.write(chunk, 0, Math.min(chunkBytes, bodyBytes - sent));
                            if (pauseMillis > 0) {
                                Thread.sleep(pauseMillis);
                            }
                        }
                        out.flush();
                        return Arrays.equals(socket.getInputStream().readNBytes(expected.length), expected);
                    } catch (IOException e) {
                        if (!headSent) {
                            headsSent.countDown(); // the others need not wait for this one
                        }
                        return false;
                    }
                }));
            }
            int ok = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOAD_BOUND_SECONDS);
            for (Future<Boolean> upload : uploads) {
                try {
                    if (upload.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        ok++;
                    }
                } catch (TimeoutException | ExecutionException e) {
                    upload.cancel(true);
                }
            }
            return new int[] {ok, count - ok};
        }
    }

    /**
     * Peaks of a server's RSS, threads and open file descriptors, sampled every 50 ms until stopped,
     * and of its direct buffers, asked for every 200 ms.
     */
    private static final class Peaks {
        final long pid;
        final int port;
        final AtomicBoolean stop = new AtomicBoolean();
        volatile long rssKib;
        volatile int threads;
        volatile int fds;
        volatile long directBytes;
        volatile long directBuffers;

        Peaks(long pid, int port) {
            this.pid = pid;
            this.port = port;
        }

        void sample() {
            for (int tick = 0; !stop.get(); tick++) {
                try {
                    rssKib = Math.max(rssKib, status(pid, "VmRSS:"));
                    threads = (int) Math.max(threads, status(pid, "Threads:"));
                    fds = Math.max(fds, fds(pid));
                    if (tick % 4 == 0) {
                        long[] direct = directMemory(port);
                        if (direct[1] > directBytes) {
                            directBytes = direct[1];
                            directBuffers = direct[0];
                        }
                    }
                    Thread.sleep(50);
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The server's direct buffers: {count, bytes}. */
    private static long[] directMemory(int port) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(LOAD_BOUND_SECONDS));
            socket.getOutputStream().write("GET /direct-memory HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            String[] counts = response.substring(response.indexOf("\r\n\r\n") + 4).trim().split(" ");
            return new long[] {Long.parseLong(counts[0]), Long.parseLong(counts[1])};
        }
    }

    /** A numeric field of {@code /proc/<pid>/status} ({@code VmRSS:} in KiB, {@code Threads:}). */
    private static long status(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("No " + field + " in /proc/" + pid + "/status");
    }

    private static int fds(long pid) throws IOException {
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return (int) open.count();
        }
    }

    private static String mib(long kib) {
        return String.format("%.0f MiB", kib / 1024.0);
    }

    private static Settings parse(String[] args) {
        int connections = 1_000;
        int bodyKib = 1_024;
        int chunkKib = 16;
        int pauseMillis = 10;
        int rounds = 2;
        String mode = "virtual";
        List<Variant> variants = new ArrayList<>();
        List<String> serverOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--connections" -> connections = bounded("--connections", value, 1, 2_000);
                case "--body-kib" -> bodyKib = bounded("--body-kib", value, 1, 8_192);
                case "--chunk-kib" -> chunkKib = bounded("--chunk-kib", value, 1, 1_024);
                case "--pause-ms" -> pauseMillis = bounded("--pause-ms", value, 0, 1_000);
                case "--rounds" -> rounds = bounded("--rounds", value, 1, 5);
                case "--mode" -> mode = value;
                case "--server-option" -> serverOptions.add(value);
                case "--variant" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--variant takes LABEL=JAR (JAR empty for this build)");
                    }
                    variants.add(new Variant(value.substring(0, eq), value.substring(eq + 1)));
                }
                default -> throw new IllegalArgumentException("Unknown option " + args[i]);
            }
            i++;
        }
        if (variants.isEmpty()) {
            variants.add(new Variant("this build", ""));
        }
        if (variants.size() > 4) {
            throw new IllegalArgumentException("At most 4 variants");
        }
        return new Settings(connections, bodyKib * 1024, chunkKib * 1024, pauseMillis, rounds, mode,
                List.copyOf(variants), List.copyOf(serverOptions));
    }

    private static int bounded(String option, String value, int min, int max) {
        int parsed = Integer.parseInt(value);
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max);
        }
        return parsed;
    }
}
