package dev.spindle.demo;

import dev.spindle.Spindle;
import dev.spindle.metrics.MeterNames;
import dev.spindle.threading.DispatcherStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's time series, kept on the server so that a page opened late sees the last
 * {@value #SECONDS} seconds: once a second, each route's cumulative histograms (latency, and queue
 * wait of the requests that got a thread) and each dispatcher's gauges are read and kept. A second's
 * rate and p99 are the differences between two readings, a window's percentiles the difference
 * between its first reading and one taken when asked, so nothing decays: a route with no request in the window says
 * so instead of showing a stale or zero percentile.
 *
 * <p><b>Threading:</b> {@link #sample} runs on the dashboard's pump thread, {@link #view} on IO
 * threads; both read the meters without a lock and hold this object's lock only to add a reading or
 * copy the {@value #SECONDS} kept.
 */
final class Series {

    static final int SECONDS = 300;

    /** One histogram's cumulative state: how many values, and how many at or below each bound (ms). */
    private record Histogram(long count, TreeMap<Double, Double> atOrBelow) {
        static final Histogram EMPTY = new Histogram(0, new TreeMap<>());

        static Histogram of(List<Timer> timers) {
            long count = 0;
            TreeMap<Double, Double> buckets = new TreeMap<>();
            for (Timer timer : timers) {
                HistogramSnapshot snapshot = timer.takeSnapshot();
                count += snapshot.count();
                for (CountAtBucket bucket : snapshot.histogramCounts()) {
                    buckets.merge(bucket.bucket(TimeUnit.MILLISECONDS), bucket.count(), Double::sum);
                }
            }
            return new Histogram(count, buckets);
        }

        /** The {@code q} quantile (ms, a bucket's upper bound) of the values added since {@code earlier}, or null if none were. */
        Double quantileSince(Histogram earlier, double q) {
            long added = count - earlier.count;
            if (added <= 0) {
                return null;
            }
            double rank = q * added;
            for (Map.Entry<Double, Double> bucket : atOrBelow.entrySet()) {
                if (bucket.getValue() - earlier.atOrBelow.getOrDefault(bucket.getKey(), 0.0) >= rank) {
                    return bucket.getKey();
                }
            }
            return atOrBelow.isEmpty() ? null : atOrBelow.lastKey();
        }
    }

    /** One reading: its second, each route's histograms, each dispatcher's gauges. */
    private record Reading(long epochSecond, Map<String, Histogram> latency, Map<String, Histogram> queued,
                           Map<String, Gauges> dispatchers) {
    }

    /** A dispatcher's gauges at one reading. */
    private record Gauges(int active, int queued, int capacity, long rejected) {
    }

    private final Spindle app;
    private final MeterRegistry registry;
    private final Deque<Reading> readings = new ArrayDeque<>();

    Series(Spindle app, MeterRegistry registry) {
        this.app = app;
        this.registry = registry;
    }

    /** Takes the reading of {@code epochSecond} and keeps it; does nothing before the app has started. */
    void sample(long epochSecond) {
        Reading reading = read(epochSecond);
        if (reading == null) {
            return;
        }
        synchronized (this) {
            if (readings.isEmpty()) {
                // what was counted before the first reading falls in the first second, not before the window
                readings.addLast(new Reading(epochSecond - 1, Map.of(), Map.of(), Map.of()));
            }
            readings.addLast(reading);
            while (readings.size() > SECONDS + 1) {
                readings.removeFirst();
            }
        }
    }

    /** The meters as they stand, as the reading of {@code epochSecond}; {@code null} before the app has started. */
    private Reading read(long epochSecond) {
        List<DispatcherStats> running;
        try {
            running = app.dispatchers();
        } catch (IllegalStateException notStarted) {
            return null;
        }
        Map<String, Histogram> latency = new TreeMap<>();
        Map<String, Histogram> queued = new TreeMap<>();
        if (registry != null) {
            byRoute(registry.find(MeterNames.HTTP_SERVER_REQUESTS).timers())
                    .forEach((route, timers) -> latency.put(route, Histogram.of(timers)));
            byRoute(registry.find(MeterNames.REQUEST_QUEUED).tag("outcome", "started").timers())
                    .forEach((route, timers) -> queued.put(route, Histogram.of(timers)));
        }
        Map<String, Gauges> dispatchers = new LinkedHashMap<>();
        running.forEach(d -> dispatchers.put(d.name(), new Gauges(d.active(), d.queued(), d.capacity(), d.rejected())));
        return new Reading(epochSecond, latency, queued, dispatchers);
    }

    private static Map<String, List<Timer>> byRoute(Iterable<Timer> timers) {
        Map<String, List<Timer>> byRoute = new TreeMap<>();
        for (Timer timer : timers) {
            String uri = timer.getId().getTag("uri");
            if (uri == null || Dashboard.own(uri)) {
                continue;
            }
            byRoute.computeIfAbsent(timer.getId().getTag("method") + " " + uri, k -> new ArrayList<>()).add(timer);
        }
        return byRoute;
    }

    /**
     * The series as the page charts them, one value per second that has ended, and each route's
     * figures over the whole window, up to this moment: from the oldest reading kept to one taken now,
     * so a request answered a moment ago is counted before its second's reading.
     */
    View view() {
        Reading live = read(System.currentTimeMillis() / 1000);
        List<Reading> kept;
        synchronized (this) {
            kept = new ArrayList<>(readings);
        }
        List<Long> times = new ArrayList<>();
        Map<String, RouteSeries> routes = new TreeMap<>();
        Map<String, DispatcherSeries> dispatchers = new LinkedHashMap<>();
        for (int i = 1; i < kept.size(); i++) {
            Reading before = kept.get(i - 1);
            Reading now = kept.get(i);
            int at = times.size();
            times.add(now.epochSecond());
            for (Map.Entry<String, Histogram> route : now.latency().entrySet()) {
                Histogram earlier = before.latency().getOrDefault(route.getKey(), Histogram.EMPTY);
                RouteSeries series = routes.computeIfAbsent(route.getKey(), k -> new RouteSeries(at));
                series.pad(at);
                series.rate.add((double) (route.getValue().count() - earlier.count()));
                series.p99.add(route.getValue().quantileSince(earlier, 0.99));
                Histogram queued = now.queued().getOrDefault(route.getKey(), Histogram.EMPTY);
                series.queueP99.add(queued.quantileSince(before.queued().getOrDefault(route.getKey(), Histogram.EMPTY), 0.99));
            }
            for (Map.Entry<String, Gauges> dispatcher : now.dispatchers().entrySet()) {
                Gauges gauges = dispatcher.getValue();
                Gauges earlier = before.dispatchers().get(dispatcher.getKey());
                DispatcherSeries series = dispatchers.computeIfAbsent(dispatcher.getKey(), k -> new DispatcherSeries());
                series.active.add(gauges.active());
                series.queued.add(gauges.queued());
                series.capacity.add(gauges.capacity() < 0 ? null : gauges.capacity());
                series.refused.add(earlier == null ? 0 : gauges.rejected() - earlier.rejected());
            }
        }
        routes.values().forEach(series -> series.pad(times.size()));
        Map<String, Window> window = new TreeMap<>();
        if (!kept.isEmpty() && live != null) {
            Reading first = kept.size() > 1 && live.epochSecond() - kept.getFirst().epochSecond() > SECONDS
                    ? kept.get(1) : kept.getFirst();
            Reading last = live;
            for (Map.Entry<String, Histogram> route : last.latency().entrySet()) {
                Histogram earlier = first.latency().getOrDefault(route.getKey(), Histogram.EMPTY);
                Histogram queued = last.queued().getOrDefault(route.getKey(), Histogram.EMPTY);
                Histogram queuedEarlier = first.queued().getOrDefault(route.getKey(), Histogram.EMPTY);
                window.put(route.getKey(), new Window(route.getValue().count() - earlier.count(),
                        route.getValue().quantileSince(earlier, 0.5), route.getValue().quantileSince(earlier, 0.99),
                        queued.quantileSince(queuedEarlier, 0.5), queued.quantileSince(queuedEarlier, 0.99)));
            }
        }
        long covered = kept.size() > 1 ? kept.getLast().epochSecond() - kept.getFirst().epochSecond() : 0;
        return new View(SECONDS, covered, times, routes, dispatchers, window);
    }

    /** {@code GET /dashboard/series}: per second, oldest first; {@code null} where a second had no request. */
    record View(int windowSeconds, long coveredSeconds, List<Long> times, Map<String, RouteSeries> routes,
                Map<String, DispatcherSeries> dispatchers, Map<String, Window> window) {
    }

    /** One route's requests per second, p99 latency and p99 queue wait (ms) per second. */
    static final class RouteSeries {
        public final List<Double> rate = new ArrayList<>();
        public final List<Double> p99 = new ArrayList<>();
        public final List<Double> queueP99 = new ArrayList<>();

        RouteSeries(int from) {
            pad(from);
        }

        void pad(int size) {
            while (rate.size() < size) {
                rate.add(0.0);
                p99.add(null);
                queueP99.add(null);
            }
        }
    }

    /** One dispatcher's gauges per second, and how many requests it refused in each second. */
    static final class DispatcherSeries {
        public final List<Integer> active = new ArrayList<>();
        public final List<Integer> queued = new ArrayList<>();
        public final List<Integer> capacity = new ArrayList<>();
        public final List<Long> refused = new ArrayList<>();
    }

    /**
     * A route over the whole window: requests, and p50/p99 latency and queue wait (ms) of those
     * requests, {@code null} when there were none.
     */
    record Window(long requests, Double p50, Double p99, Double queueP50, Double queueP99) {
    }
}
