package dev.spindle.demo.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one {@link Load} measured in a step.
 *
 * @param name        the load's name, e.g. {@code /fast}
 * @param path        the request target
 * @param model       {@code closed} or {@code open}
 * @param connections connections used
 * @param rate        the open schedule's requests per second (0: closed)
 * @param seconds     the measured window: from the start to the deadline, or to the last answer when
 *                    a count bound ended the step early
 * @param completed   answers with a 2xx or 3xx status within the window
 * @param perSecond   {@code completed / seconds}: answers that arrive after the window never count
 * @param unfinished  requests due within the window and not answered by its end
 * @param errors      failures by kind
 * @param latency     latency of the completed requests plus, as lower bounds, the timeouts and (open mode) the unfinished
 */
public record LoadResult(String name, String path, String model, int connections, double rate, double seconds,
                         long completed, double perSecond, long unfinished, Errors errors, Latency latency) {

    /** Failures by kind: connect, timeout, read (connection broke or not HTTP), and answers by status outside 2xx/3xx. */
    public record Errors(long connect, long timeout, long read, Map<Integer, Long> status) {

        public long total() {
            return connect + timeout + read + status.values().stream().mapToLong(Long::longValue).sum();
        }

        /** e.g. {@code 0}, or {@code 503 x1,204; timeout x3}. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            status.forEach((code, count) -> parts.add(code + " x" + thousands(count)));
            if (connect > 0) {
                parts.add("connect x" + thousands(connect));
            }
            if (timeout > 0) {
                parts.add("timeout x" + thousands(timeout));
            }
            if (read > 0) {
                parts.add("read x" + thousands(read));
            }
            return parts.isEmpty() ? "0" : String.join("; ", parts);
        }

        private static String thousands(long n) {
            return String.format(java.util.Locale.ROOT, "%,d", n);
        }
    }

    /**
     * Latency percentiles in milliseconds ({@code null} when nothing was recorded), and the
     * distribution for charts: {@code [percentile, ms]} pairs at fixed percentiles, 0, 20.6, 36.9 …
     * 99.999 (a tenth of a "nine" apart), then 100 (the maximum).
     */
    public record Latency(long count, Double p50, Double p90, Double p99, Double p999, Double max,
                          List<double[]> distribution) {

        static final Latency NONE = new Latency(0, null, null, null, null, null, List.of());

        static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return NONE;
            }
            List<double[]> distribution = new ArrayList<>();
            for (int tenthsOfNines = 0; tenthsOfNines <= 50; tenthsOfNines++) {
                double percentile = 100 * (1 - Math.pow(10, -tenthsOfNines / 10.0));
                distribution.add(new double[] {percentile, ms(micros.getValueAtPercentile(percentile))});
            }
            distribution.add(new double[] {100, ms(micros.getMaxValue())});
            return new Latency(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)),
                    ms(micros.getValueAtPercentile(90)), ms(micros.getValueAtPercentile(99)),
                    ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()), List.copyOf(distribution));
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }
}
