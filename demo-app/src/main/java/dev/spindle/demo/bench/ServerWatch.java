package dev.spindle.demo.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches the server process during a step from {@code /proc} (any local server, Spindle or not):
 * peak resident memory, peak platform threads and CPU used; and, for a Spindle app, the peak of
 * busy handler threads from its own meter {@code spindle_dispatcher_active} (for virtual threads
 * the only count there is: they are not OS threads).
 *
 * <p><b>Threading:</b> sampling runs on a daemon platform thread of its own between
 * {@link #start} and {@link #stop}; the results are read after {@link #stop}.
 */
final class ServerWatch {

    private static final long PROC_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long METRICS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1000);
    /** Linux reports CPU times in /proc/PID/stat in USER_HZ ticks, 100 a second on every architecture. */
    private static final double TICKS_PER_SECOND = 100;

    private final Long pid;
    private final Control control;
    private final boolean spindle;
    private volatile boolean stopped;
    private Thread sampler;
    private long peakRssKb;
    private int peakThreads;
    private int peakHandlers = -1;
    private long cpuTicksBefore = -1;
    private long startNanos;

    ServerWatch(Long pid, Control control, boolean spindle) {
        this.pid = pid;
        this.control = control;
        this.spindle = spindle;
    }

    void start() {
        startNanos = System.nanoTime();
        cpuTicksBefore = pid == null ? -1 : cpuTicks(pid);
        sampler = Thread.ofPlatform().daemon().name("bench-server-watch").start(this::sample);
    }

    BenchResult.ServerPeaks stop() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(sampler);
        sampler.join();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Double cpu = null;
        if (pid != null && cpuTicksBefore >= 0) {
            long after = cpuTicks(pid);
            if (after >= 0) {
                cpu = 100.0 * (after - cpuTicksBefore) / TICKS_PER_SECOND / seconds / Runtime.getRuntime().availableProcessors();
            }
        }
        return new BenchResult.ServerPeaks(pid == null || peakRssKb == 0 ? null : (peakRssKb + 512) / 1024,
                pid == null || peakThreads == 0 ? null : peakThreads, cpu, peakHandlers < 0 ? null : peakHandlers);
    }

    private void sample() {
        long nextMetrics = System.nanoTime();
        while (!stopped) {
            if (pid != null) {
                readStatus(pid);
            }
            if (spindle && System.nanoTime() >= nextMetrics) {
                Scrape scrape = control.metrics();
                if (!scrape.samples().isEmpty()) {
                    double active = scrape.sum("spindle_dispatcher_active", s -> !s.label("dispatcher").equals("io"));
                    peakHandlers = Math.max(peakHandlers, (int) active);
                }
                nextMetrics = System.nanoTime() + METRICS_EVERY_NANOS;
            }
            LockSupport.parkNanos(PROC_EVERY_NANOS);
        }
        if (pid != null) {
            readStatus(pid);
        }
    }

    private void readStatus(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("\\D", "")));
                } else if (line.startsWith("Threads:")) {
                    peakThreads = Math.max(peakThreads, Integer.parseInt(line.replaceAll("\\D", "")));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended or is not readable: the peaks stay as they were
        }
    }

    /** utime + stime of {@code pid} in ticks, or -1. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The process listening on local TCP {@code port}, found through {@code /proc/net/tcp*} and the
     * processes' socket descriptors; empty when there is none or it cannot be read (not Linux, or
     * another user's process).
     */
    static OptionalLong pidListeningOn(int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        String inode = null;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.strip().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                        inode = f[9];
                    }
                }
            } catch (IOException e) {
                // no such table here
            }
            if (inode != null) {
                break;
            }
        }
        if (inode == null) {
            return OptionalLong.empty();
        }
        String link = "socket:[" + inode + "]";
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().equals(link)) {
                                return OptionalLong.of(Long.parseLong(process.getFileName().toString()));
                            }
                        } catch (IOException e) {
                            // the descriptor closed while we looked
                        }
                    }
                } catch (IOException e) {
                    // another user's process, or it ended
                }
            }
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
