package dev.spindle.internal.metrics;

import dev.spindle.internal.threading.Dispatcher;
import dev.spindle.metrics.MeterNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The JSON behind {@code GET /metrics/routes} and the demo's dashboard: per route, how many
 * requests, how long they took and waited (p50, p99, max in ms, from the timers' histograms), how
 * many run now, how many were refused a thread or expired waiting for one, and behind which routes
 * they waited (count and seconds); and each dispatcher's saturation.
 */
public final class RoutesSnapshot {

    /** The whole snapshot. */
    public record Snapshot(String mode, List<RouteStats> routes, List<DispatcherStats> dispatchers) {
    }

    /**
     * One route ({@code uri} is its template). {@code queuedMs} covers the requests that got a thread;
     * {@code refused} and {@code expired} count those that never did; {@code blockedBy} maps each
     * route that held the threads this one waited for to what it cost this one.
     */
    public record RouteStats(String method, String uri, long count, Percentiles latencyMs, Percentiles queuedMs,
                             long refused, long expired, int active, Map<String, Blocked> blockedBy) {
    }

    /**
     * What one blocker cost a route: {@code count} requests had it as their main blocker, and
     * {@code seconds} of the route's queue waits fell to it (its share of the thread-time).
     */
    public record Blocked(long count, double seconds) {
    }

    /** Percentiles in milliseconds (upper bounds of histogram buckets, like Prometheus' histogram_quantile). */
    public record Percentiles(double p50, double p99, double max) {
        static final Percentiles NONE = new Percentiles(0, 0, 0);
    }

    /** One dispatcher's saturation. */
    public record DispatcherStats(String name, String mode, int active, int queued, int capacity, long rejected) {
    }

    private RoutesSnapshot() {
    }

    /** Reads the snapshot from {@code metrics}' registry. */
    public static Snapshot take(SpindleMetrics metrics, List<Dispatcher> dispatchers) {
        MeterRegistry registry = metrics.registry();
        Map<String, List<Timer>> requestTimers = new TreeMap<>();
        for (Timer timer : registry.find(MeterNames.HTTP_SERVER_REQUESTS).timers()) {
            String key = timer.getId().getTag("method") + " " + timer.getId().getTag("uri");
            requestTimers.computeIfAbsent(key, k -> new ArrayList<>()).add(timer);
        }
        List<RouteStats> routes = new ArrayList<>();
        for (Map.Entry<String, List<Timer>> entry : requestTimers.entrySet()) {
            String method = entry.getKey().substring(0, entry.getKey().indexOf(' '));
            String uri = entry.getKey().substring(method.length() + 1);
            long count = entry.getValue().stream().mapToLong(Timer::count).sum();
            List<Timer> started = new ArrayList<>();
            long refused = 0;
            long expired = 0;
            for (Timer timer : registry.find(MeterNames.REQUEST_QUEUED).tag("method", method).tag("uri", uri).timers()) {
                switch (String.valueOf(timer.getId().getTag("outcome"))) {
                    case "refused" -> refused += timer.count();
                    case "expired" -> expired += timer.count();
                    default -> started.add(timer);
                }
            }
            Gauge active = registry.find(MeterNames.REQUESTS_ACTIVE).tag("uri", uri).gauge();
            Map<String, Blocked> blockedBy = new TreeMap<>();
            for (Counter counter : registry.find(MeterNames.REQUEST_BLOCKED).tag("uri", uri).counters()) {
                blockedBy.merge(counter.getId().getTag("blocker"), new Blocked((long) counter.count(), 0), RoutesSnapshot::sum);
            }
            for (Counter counter : registry.find(MeterNames.REQUEST_BLOCKED_SECONDS).tag("uri", uri).counters()) {
                blockedBy.merge(counter.getId().getTag("blocker"), new Blocked(0, counter.count()), RoutesSnapshot::sum);
            }
            routes.add(new RouteStats(method, uri, count, percentiles(entry.getValue()), percentiles(started),
                    refused, expired, active == null ? 0 : (int) active.value(), blockedBy));
        }
        List<DispatcherStats> pools = dispatchers.stream()
                .map(d -> new DispatcherStats(d.name(), d.mode().shortName(), d.active(), d.queued(), d.capacity(), d.rejected()))
                .toList();
        return new Snapshot(metrics.mode(), routes, pools);
    }

    private static Blocked sum(Blocked a, Blocked b) {
        return new Blocked(a.count() + b.count(), Math.round((a.seconds() + b.seconds()) * 1e6) / 1e6);
    }

    /** Merges the timers' cumulative bucket counts (same boundaries) and reads p50 and p99 off them. */
    static Percentiles percentiles(List<Timer> timers) {
        if (timers.isEmpty()) {
            return Percentiles.NONE;
        }
        TreeMap<Double, Double> cumulative = new TreeMap<>();
        double total = 0;
        double max = 0;
        for (Timer timer : timers) {
            HistogramSnapshot snapshot = timer.takeSnapshot();
            total += snapshot.count();
            max = Math.max(max, snapshot.max(TimeUnit.MILLISECONDS));
            for (CountAtBucket bucket : snapshot.histogramCounts()) {
                cumulative.merge(bucket.bucket(TimeUnit.MILLISECONDS), bucket.count(), Double::sum);
            }
        }
        if (total == 0) {
            return Percentiles.NONE;
        }
        return new Percentiles(quantile(cumulative, total, 0.50, max), quantile(cumulative, total, 0.99, max), round(max));
    }

    private static double quantile(TreeMap<Double, Double> cumulative, double total, double q, double max) {
        double rank = q * total;
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= rank) {
                return round(Math.min(bucket.getKey(), max));
            }
        }
        return round(max);
    }

    private static double round(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
