package dev.spindle.demo.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The state one {@link Load} shares among its connections during a step: the pre-encoded request,
 * the schedule of tickets, the latency recorder and the counters.
 *
 * <p><b>Threading:</b> connections on any event loop call the {@code take…}/{@code record…}
 * methods concurrently; the step's driver thread reads the counters and drains the recorder.
 */
final class LoadRun {

    /** Latencies are recorded in microseconds, up to an hour. */
    static final long HIGHEST_MICROS = 3_600_000_000L;

    final Load load;
    /** The whole request, encoded once; each send writes a retained duplicate of it. */
    final ByteBuf request;
    final long timeoutNanos;
    private final double intervalNanos;
    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    private final AtomicLong tickets = new AtomicLong();
    private final AtomicLong outstanding = new AtomicLong();
    private final LongAdder completed = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder readErrors = new LongAdder();
    private final LongAdder unfinished = new LongAdder();
    private final Map<Integer, LongAdder> statusErrors = new ConcurrentHashMap<>();
    private final AtomicLong lastCompletion = new AtomicLong();
    private volatile long start;
    private volatile long deadline;
    private volatile boolean running;

    LoadRun(Load load) {
        this.load = load;
        byte[] body = load.jsonBody() == null ? new byte[0] : load.jsonBody();
        byte[] head = ((load.jsonBody() == null ? "GET " : "POST ") + load.pathAndQuery() + " HTTP/1.1\r\nHost: "
                + load.target().hostHeader() + "\r\nUser-Agent: spindle-bench\r\nAccept: */*\r\n"
                + (load.jsonBody() == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        this.request = Unpooled.directBuffer(head.length + body.length).writeBytes(head).writeBytes(body);
        this.timeoutNanos = load.timeout().toNanos();
        this.intervalNanos = load.open() ? 1e9 / load.rate() : 0;
    }

    void start(long startNanos, long deadlineNanos) {
        start = startNanos;
        deadline = deadlineNanos;
        lastCompletion.set(startNanos);
        running = true;
    }

    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }

    long deadline() {
        return deadline;
    }

    /**
     * The intended send time of the next request, or {@code -1} when the step has sent all it may.
     * Closed mode: now. Open mode: the next slot of the fixed schedule, possibly in the future.
     */
    long takeTicket(long now) {
        if (!running) {
            return -1;
        }
        long ticket = tickets.getAndIncrement();
        if (ticket >= load.maxRequests()) {
            return -1;
        }
        long intended = load.open() ? start + (long) (ticket * intervalNanos) : now;
        if (intended >= deadline) {
            return -1;
        }
        outstanding.incrementAndGet();
        return intended;
    }

    /** A request answered with {@code status}, {@code latencyNanos} after its intended send time. */
    void recordResponse(int status, long latencyNanos, long now) {
        if (status >= 200 && status < 400) {
            completed.increment();
            recorder.recordValue(micros(latencyNanos));
        } else {
            statusErrors.computeIfAbsent(status, s -> new LongAdder()).increment();
        }
        done(now);
    }

    /** A sent request that got no answer within the timeout: counted, and its wait (from its intended time) enters the latencies. */
    void recordTimeout(long waitedNanos, long now) {
        timeouts.increment();
        recorder.recordValue(micros(waitedNanos));
        done(now);
    }

    /** The connection broke or sent something that is not HTTP while a request was out. */
    void recordReadError(long now) {
        readErrors.increment();
        done(now);
    }

    void recordConnectError() {
        connectErrors.increment();
    }

    /**
     * A request due before the deadline but not answered by then. In open mode its wait so far enters
     * the latencies (it was due at its intended time whatever the server did: leaving it out would
     * hide a stall). In closed mode it is only counted, as wrk does: its send time depends on the
     * server's previous answer, so its short wait says nothing about the server.
     */
    void recordUnfinished(long intended) {
        unfinished.increment();
        if (load.open()) {
            recorder.recordValue(micros(Math.max(0, deadline - intended)));
        }
        outstanding.decrementAndGet();
    }

    /**
     * Requests the open schedule had due before the deadline that no connection ever took (all were
     * busy): each is unfinished, waiting since its intended time. Called once, after every
     * connection has stopped.
     */
    void recordUnsent() {
        if (!load.open()) {
            return;
        }
        for (long ticket = tickets.get(); ticket < load.maxRequests(); ticket++) {
            long intended = start + (long) (ticket * intervalNanos);
            if (intended >= deadline) {
                break;
            }
            unfinished.increment();
            recorder.recordValue(micros(deadline - intended));
        }
    }

    private void done(long now) {
        outstanding.decrementAndGet();
        lastCompletion.accumulateAndGet(now, Math::max);
    }

    /** Whether every request the count allows has been sent and answered (count-bounded steps end early). */
    boolean finished() {
        return tickets.get() >= load.maxRequests() && outstanding.get() <= 0;
    }

    long lastCompletion() {
        return lastCompletion.get();
    }

    long completed() {
        return completed.sum();
    }

    long errors() {
        return connectErrors.sum() + timeouts.sum() + readErrors.sum()
                + statusErrors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Moves what was recorded since the last call into the total and returns that interval (driver thread only). */
    Histogram drainInterval() {
        Histogram interval = recorder.getIntervalHistogram();
        total.add(interval);
        return interval;
    }

    LoadResult result(double seconds) {
        drainInterval();
        Map<Integer, Long> statuses = new TreeMap<>();
        statusErrors.forEach((status, count) -> statuses.put(status, count.sum()));
        long ok = completed.sum();
        return new LoadResult(load.name(), load.pathAndQuery(), load.open() ? "open" : "closed",
                load.connections(), load.rate(), seconds, ok, seconds > 0 ? ok / seconds : 0, unfinished.sum(),
                new LoadResult.Errors(connectErrors.sum(), timeouts.sum(), readErrors.sum(), statuses),
                LoadResult.Latency.of(total));
    }

    void release() {
        request.release();
    }

    private static long micros(long nanos) {
        return Math.min(HIGHEST_MICROS, Math.max(0, nanos / 1_000));
    }
}
