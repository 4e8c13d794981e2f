package dev.spindle.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code demo-app.jar bench}: the load-testing comparison of the threading modes. For each mode it
 * starts the demo in a child JVM on a free loopback port, keeps {@code --slow-clients} clients
 * busy on {@code /slow?ms=…} while {@code --fast-clients} clients hammer {@code /fast}, and reports
 * /fast throughput and latency, /slow throughput, errors and the server's peak RSS side by side.
 * Every run is bounded by {@code --duration} and targets 127.0.0.1 only.
 */
final class Bench {

    static final String USAGE = """
            Usage: java -jar demo-app/target/demo-app.jar bench [options]

            Runs the demo once per mode in a child JVM and loads it from this one (127.0.0.1 only):
            slow clients loop on /slow?ms=<slow-ms>, fast clients loop on /fast.

              --modes LIST        comma-separated: single,threaded,virtual,pool (default: all four)
              --pool N            threads for the pool mode (default 8)
              --duration SECONDS  load time per mode (default 10, at most 120)
              --slow-clients N    concurrent /slow clients (default 20, at most 2000)
              --slow-ms N         how long each /slow request sleeps (default 100)
              --fast-clients N    concurrent /fast clients (default 4, at most 256)
              --out DIR           where bench-<time>.md is written (default demo-app/target/bench)
            """;

    private static final Pattern LISTENING = Pattern.compile("Listening on http://127\\.0\\.0\\.1:(\\d+)/");

    record Settings(List<String> modes, int pool, int durationSeconds, int slowClients, int slowMs, int fastClients,
                    Path out) {
    }

    record Result(String mode, double fastPerSecond, double fastP50Ms, double fastP99Ms, double slowPerSecond,
                  long errors, long peakRssMb) {
    }

    private Bench() {
    }

    static int run(List<String> args) throws Exception {
        if (args.contains("--help")) {
            System.out.print(USAGE);
            return 0;
        }
        Settings settings = parse(args);
        List<Result> results = new ArrayList<>();
        for (String mode : settings.modes()) {
            System.out.printf("bench: %s for %d s (%d slow clients x %d ms, %d fast clients)...%n", mode,
                    settings.durationSeconds(), settings.slowClients(), settings.slowMs(), settings.fastClients());
            results.add(runMode(mode, settings));
        }
        String table = table(settings, results);
        System.out.println();
        System.out.print(table);
        Files.createDirectories(settings.out());
        Path file = settings.out().resolve("bench-" + Instant.now().toString().replace(':', '-') + ".md");
        Files.writeString(file, table, StandardCharsets.UTF_8);
        System.out.println("\nwritten to " + file);
        return 0;
    }

    static Settings parse(List<String> args) {
        List<String> modes = List.of("single", "threaded", "virtual", "pool");
        int pool = 8;
        int duration = 10;
        int slowClients = 20;
        int slowMs = 100;
        int fastClients = 4;
        Path out = Path.of("demo-app", "target", "bench");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String value = i + 1 < args.size() ? args.get(i + 1) : null;
            if (value == null) {
                throw new IllegalArgumentException(arg + " needs a value (see bench --help)");
            }
            switch (arg) {
                case "--modes" -> modes = Arrays.stream(value.split(",")).map(String::trim).toList();
                case "--pool" -> pool = bounded(value, arg, 1, 1024);
                case "--duration" -> duration = bounded(value, arg, 1, 120);
                case "--slow-clients" -> slowClients = bounded(value, arg, 0, 2000);
                case "--slow-ms" -> slowMs = bounded(value, arg, 0, 60_000);
                case "--fast-clients" -> fastClients = bounded(value, arg, 1, 256);
                case "--out" -> out = Path.of(value);
                default -> throw new IllegalArgumentException("Unknown bench option '" + arg + "' (see bench --help)");
            }
            i++;
        }
        for (String mode : modes) {
            if (!List.of("single", "threaded", "virtual", "pool").contains(mode)) {
                throw new IllegalArgumentException("Unknown mode '" + mode + "': use single, threaded, virtual, pool");
            }
        }
        return new Settings(modes, pool, duration, slowClients, slowMs, fastClients, out);
    }

    private static int bounded(String text, String option, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " takes a whole number from " + min + " to " + max + ", not '" + text + "'");
    }

    private static Result runMode(String mode, Settings settings) throws Exception {
        String flag = mode.equals("pool") ? "--pool=" + settings.pool() : "--" + mode;
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process server = new ProcessBuilder(java, "-jar", jar, flag, "--port", "0", "--queue",
                Integer.toString(Math.max(1_000, settings.slowClients() * 2)))
                .redirectErrorStream(true).start();
        try {
            int port = awaitPort(server);
            return load(mode, port, server.pid(), settings);
        } finally {
            server.destroy();
            if (!server.waitFor(15, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static int awaitPort(Process server) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = output.readLine()) != null) {
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) {
                Thread.ofVirtual().start(() -> drain(output));
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new IOException("The demo server exited before it listened");
    }

    private static void drain(BufferedReader output) {
        try {
            while (output.readLine() != null) {
                // the child's log is not part of the report
            }
        } catch (IOException e) {
            // the child ended
        }
    }

    private static Result load(String mode, int port, long pid, Settings settings) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI fast = URI.create("http://127.0.0.1:" + port + "/fast");
        URI slow = URI.create("http://127.0.0.1:" + port + "/slow?ms=" + settings.slowMs());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.durationSeconds());
        ConcurrentLinkedQueue<Long> fastLatencies = new ConcurrentLinkedQueue<>();
        AtomicLong slowDone = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong peakRss = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < settings.slowClients(); i++) {
            clients.add(Thread.ofVirtual().start(() -> loop(client, slow, deadline, null, slowDone, errors)));
        }
        for (int i = 0; i < settings.fastClients(); i++) {
            clients.add(Thread.ofVirtual().start(() -> loop(client, fast, deadline, fastLatencies, null, errors)));
        }
        while (System.nanoTime() < deadline) {
            peakRss.accumulateAndGet(rssKb(pid), Math::max);
            Thread.sleep(200);
        }
        for (Thread thread : clients) {
            thread.join(Duration.ofSeconds(70));
        }
        long[] sorted = fastLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
        double seconds = settings.durationSeconds();
        return new Result(mode, sorted.length / seconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
                slowDone.get() / seconds, errors.get(), Math.max(peakRss.get(), rssKb(pid)) / 1024);
    }

    private static void loop(HttpClient client, URI uri, long deadline, ConcurrentLinkedQueue<Long> latencies,
                             AtomicLong done, AtomicLong errors) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build();
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() != 200) {
                    errors.incrementAndGet();
                } else if (latencies != null) {
                    latencies.add(System.nanoTime() - start);
                } else {
                    done.incrementAndGet();
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Resident set size of {@code pid} in KiB, from /proc (0 where there is none). */
    private static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static double percentile(long[] sortedNanos, double q) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(q * sortedNanos.length) - 1);
        return sortedNanos[Math.max(0, index)] / 1_000_000.0;
    }

    static String table(Settings settings, List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d s per mode, %d slow clients on /slow?ms=%d, %d fast clients on /fast, %d cores%n%n",
                settings.durationSeconds(), settings.slowClients(), settings.slowMs(), settings.fastClients(),
                Runtime.getRuntime().availableProcessors()));
        out.append("| mode | /fast req/s | /fast p50 ms | /fast p99 ms | /slow req/s | errors | server peak RSS MiB |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.1f | %d | %d |%n", r.mode(), r.fastPerSecond(),
                    r.fastP50Ms(), r.fastP99Ms(), r.slowPerSecond(), r.errors(), r.peakRssMb()));
        }
        return out.toString();
    }
}
