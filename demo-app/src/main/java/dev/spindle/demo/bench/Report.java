package dev.spindle.demo.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The side-by-side tables: one per scenario, one row per target, built once and rendered as
 * Markdown (stdout, docs) or HTML (the report).
 */
final class Report {

    /** A rendered table: its heading, the columns, and one row of cells per target. */
    record Table(String scenario, String title, List<String> headers, List<List<String>> rows) {

        String markdown() {
            StringBuilder out = new StringBuilder("### ").append(title).append("\n\n");
            out.append("| ").append(String.join(" | ", headers)).append(" |\n|");
            for (int i = 0; i < headers.size(); i++) {
                out.append(i == 0 ? "---|" : "---:|");
            }
            out.append('\n');
            for (List<String> row : rows) {
                out.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            return out.toString();
        }

        String html() {
            StringBuilder out = new StringBuilder("<table><thead><tr>");
            headers.forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
            out.append("</tr></thead><tbody>\n");
            for (List<String> row : rows) {
                out.append("<tr>");
                row.forEach(cell -> out.append("<td>").append(escape(cell)).append("</td>"));
                out.append("</tr>\n");
            }
            return out.append("</tbody></table>\n").toString();
        }
    }

    private Report() {
    }

    static List<Table> tables(BenchResult result) {
        BenchResult.Settings s = result.settings();
        List<Table> tables = new ArrayList<>();
        for (Scenario scenario : s.scenarios().stream().map(Scenario::of).sorted().toList()) {
            Table table = switch (scenario) {
                case FAST -> fast(result, s);
                case CPU -> cpu(result, s);
                case MIXED -> mixed(result, s);
                case ECHO -> echo(result, s);
                case FANOUT -> fanout(result, s);
            };
            tables.add(table);
        }
        return tables;
    }

    /** All tables in Markdown, headed by what ran where. */
    static String markdown(BenchResult result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d cores, JDK %s, load from this JVM (%s, %d event loop%s), "
                        + "%s s per step; latency in ms, from each request's intended send time%n%n",
                result.machine().cores(), Runtime.version().feature(), result.machine().transport(),
                result.machine().clientThreads(), result.machine().clientThreads() == 1 ? "" : "s",
                number(result.settings().durationSeconds())));
        for (Table table : tables(result)) {
            out.append(table.markdown()).append('\n');
        }
        for (BenchResult.TargetResult target : result.targets()) {
            if (!target.note().isEmpty()) {
                out.append("- ").append(target.label()).append(": ").append(target.note()).append('\n');
            }
        }
        out.append(String.format(Locale.ROOT, "%nWall time %.0f s.%n", result.wallSeconds()));
        return out.toString();
    }

    private static Table fast(BenchResult result, BenchResult.Settings s) {
        String how = s.rate() > 0
                ? "open at " + count((long) s.rate()) + " req/s on up to " + s.connections() + " connections"
                : "closed, " + s.connections() + " connections";
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.TargetResult t : result.targets()) {
            BenchResult.StepResult step = t.step("fast", "main");
            if (step == null) {
                continue;
            }
            LoadResult fast = step.load("/fast");
            rows.add(row(t.label(), rate(fast.perSecond()), ms(fast.latency().p50()), ms(fast.latency().p90()),
                    ms(fast.latency().p99()), ms(fast.latency().p999()), ms(fast.latency().max()), errors(step),
                    queueWait(step, "/fast"), threads(step), rss(step), percent(step.server().cpuPercent()),
                    percent(step.clientCpuPercent())));
        }
        return new Table("fast", "fast: GET /fast, " + how,
                List.of("target", "req/s", "p50", "p90", "p99", "p99.9", "max", "errors", "queue wait p99",
                        "threads OS / handlers", "RSS MiB", "server CPU", "client CPU"), rows);
    }

    private static Table mixed(BenchResult result, BenchResult.Settings s) {
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.TargetResult t : result.targets()) {
            BenchResult.StepResult step = t.step("mixed", "main");
            if (step == null) {
                continue;
            }
            LoadResult fast = step.load("/fast");
            LoadResult slow = step.load("/slow");
            rows.add(row(t.label(), ms(fast.latency().p50()), ms(fast.latency().p99()), ms(fast.latency().p999()),
                    ms(fast.latency().max()), rate(fast.perSecond()), rate(slow.perSecond()), errors(step),
                    queueWait(step, "/fast"), blockedBy(step, "/fast"), threads(step), rss(step),
                    percent(step.server().cpuPercent()), percent(step.clientCpuPercent())));
        }
        double slowIdeal = s.slowMs() > 0 ? s.slowConnections() * 1000.0 / s.slowMs() : Double.NaN;
        return new Table("mixed", String.format(Locale.ROOT,
                "mixed: GET /slow?ms=%d on %d connections, GET /fast at %s req/s (open) on up to %d",
                s.slowMs(), s.slowConnections(), count((long) s.probeRate()), s.probeConnections()),
                List.of("target", "/fast p50", "/fast p99", "/fast p99.9", "/fast max", "/fast req/s",
                        "/slow req/s (ideal " + rate(slowIdeal) + ")", "errors", "/fast queue wait p99",
                        "/fast waited behind (s)", "threads OS / handlers", "RSS MiB", "server CPU", "client CPU"),
                rows);
    }

    private static Table fanout(BenchResult result, BenchResult.Settings s) {
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.TargetResult t : result.targets()) {
            BenchResult.StepResult step = t.step("fanout", "main");
            if (step == null) {
                continue;
            }
            LoadResult slow = step.load("/slow");
            rows.add(row(t.label(), rate(slow.perSecond()), ms(slow.latency().p50()), ms(slow.latency().p99()),
                    ms(slow.latency().max()), errors(step), refusedExpired(step), count(slow.unfinished()),
                    queueWait(step, "/slow"), threads(step), rss(step), percent(step.server().cpuPercent()),
                    percent(step.clientCpuPercent())));
        }
        double ideal = s.slowMs() > 0 ? s.fanout() * 1000.0 / s.slowMs() : Double.NaN;
        return new Table("fanout", String.format(Locale.ROOT, "fanout: GET /slow?ms=%d on %s connections (ideal %s req/s)",
                s.slowMs(), count(s.fanout()), rate(ideal)),
                List.of("target", "/slow req/s", "p50", "p99", "max", "errors", "refused / expired", "unfinished",
                        "queue wait p99", "threads OS / handlers", "RSS MiB", "server CPU", "client CPU"), rows);
    }

    private static Table echo(BenchResult result, BenchResult.Settings s) {
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.TargetResult t : result.targets()) {
            BenchResult.StepResult step = t.step("echo", "main");
            if (step == null) {
                continue;
            }
            LoadResult echo = step.load("/echo");
            rows.add(row(t.label(), rate(echo.perSecond()), ms(echo.latency().p50()), ms(echo.latency().p99()),
                    ms(echo.latency().max()), errors(step), refusedExpired(step), queueWait(step, "/echo"),
                    threads(step), rss(step), percent(step.server().cpuPercent()), percent(step.clientCpuPercent())));
        }
        return new Table("echo", String.format(Locale.ROOT, "echo: POST /echo, a %s-byte JSON body, on %s connections (closed)",
                count(Scenario.ECHO_BODY.length), count(s.fanout())),
                List.of("target", "req/s", "p50", "p99", "max", "errors", "refused / expired", "queue wait p99",
                        "threads OS / handlers", "RSS MiB", "server CPU", "client CPU"), rows);
    }

    private static Table cpu(BenchResult result, BenchResult.Settings s) {
        List<String> headers = new ArrayList<>(List.of("target"));
        s.cpuLevels().forEach(level -> headers.add("req/s c=" + level));
        int top = s.cpuLevels().getLast();
        headers.addAll(List.of("best vs c=1", "p50 c=" + top, "threads OS / handlers c=" + top,
                "server CPU c=" + top, "client CPU c=" + top));
        List<List<String>> rows = new ArrayList<>();
        for (BenchResult.TargetResult t : result.targets()) {
            List<String> row = new ArrayList<>(List.of(t.label()));
            double first = Double.NaN;
            double best = Double.NaN;
            BenchResult.StepResult last = null;
            for (int level : s.cpuLevels()) {
                BenchResult.StepResult step = t.step("cpu", "c=" + level);
                double perSecond = step == null ? Double.NaN : step.load("/cpu").perSecond();
                row.add(rate(perSecond));
                if (Double.isNaN(first)) {
                    first = perSecond;
                }
                best = Double.isNaN(best) ? perSecond : Math.max(best, Double.isNaN(perSecond) ? best : perSecond);
                last = step == null ? last : step;
            }
            if (last == null) {
                continue;
            }
            row.add(first > 0 ? String.format(Locale.ROOT, "x%.1f", best / first) : "-");
            row.add(ms(last.load("/cpu").latency().p50()));
            row.add(threads(last));
            row.add(percent(last.server().cpuPercent()));
            row.add(percent(last.clientCpuPercent()));
            rows.add(row);
        }
        return new Table("cpu", String.format(Locale.ROOT, "cpu: GET /cpu?n=%s at %s concurrent (closed), %d cores",
                count(s.cpuN()), s.cpuLevels().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                result.machine().cores()), headers, rows);
    }

    /** The line printed when a step ends. */
    static String stepLine(String label, BenchResult.StepResult step) {
        String name = step.step().equals("main") ? step.scenario() : step.scenario() + " " + step.step();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s", label, name));
        for (LoadResult load : step.loads()) {
            line.append(String.format(Locale.ROOT, " | %s %s req/s, p50 %s p99 %s ms", load.name(),
                    rate(load.perSecond()), ms(load.latency().p50()), ms(load.latency().p99())));
        }
        line.append(" | errors ").append(errors(step));
        line.append(" | client CPU ").append(percent(step.clientCpuPercent()));
        return line.toString();
    }

    private static List<String> row(String... cells) {
        return List.of(cells);
    }

    private static String errors(BenchResult.StepResult step) {
        List<String> parts = new ArrayList<>();
        for (LoadResult load : step.loads()) {
            String summary = load.errors().summary();
            if (!summary.equals("0")) {
                parts.add(step.loads().size() > 1 ? load.name() + ": " + summary : summary);
            }
        }
        return parts.isEmpty() ? "0" : String.join("; ", parts);
    }

    private static String queueWait(BenchResult.StepResult step, String uri) {
        if (step.spindle() == null) {
            return "-";
        }
        Double p99 = step.spindle().queueWaitP99Ms().get(uri);
        return p99 == null ? "-" : p99.isInfinite() ? "> top bucket" : "≤ " + ms(p99);
    }

    private static String blockedBy(BenchResult.StepResult step, String uri) {
        if (step.spindle() == null) {
            return "-";
        }
        List<BenchResult.Blocked> behind = step.spindle().blocked().stream().filter(b -> b.uri().equals(uri))
                .sorted((a, b) -> Double.compare(b.seconds(), a.seconds())).toList();
        double total = behind.stream().mapToDouble(BenchResult.Blocked::seconds).sum();
        String blockers = behind.stream().filter(b -> b.seconds() >= 0.05 * total)
                .map(b -> b.blocker() + " " + seconds(b.seconds())).collect(Collectors.joining(", "));
        return blockers.isEmpty() ? "0" : blockers;
    }

    private static String refusedExpired(BenchResult.StepResult step) {
        if (step.spindle() == null) {
            return "-";
        }
        return count(sum(step.spindle().refused())) + " / " + count(sum(step.spindle().expired()));
    }

    private static long sum(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String threads(BenchResult.StepResult step) {
        BenchResult.ServerPeaks peaks = step.server();
        Function<Integer, String> show = n -> n == null ? "-" : count(n);
        return show.apply(peaks.platformThreads()) + " / " + show.apply(peaks.handlerThreads());
    }

    private static String rss(BenchResult.StepResult step) {
        Long rss = step.server().rssMiB();
        return rss == null ? "-" : count(rss);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** Requests per second: whole numbers from 100 up, one decimal below. */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "-";
        }
        return perSecond >= 100 ? count(Math.round(perSecond)) : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    /** Milliseconds with three significant digits or so: 0.412, 3.96, 48.1, 1,203. */
    static String ms(Double millis) {
        if (millis == null || millis.isNaN()) {
            return "-";
        }
        if (millis >= 100) {
            return count(Math.round(millis));
        }
        return String.format(Locale.ROOT, millis >= 10 ? "%.1f" : millis >= 1 ? "%.2f" : "%.3f", millis);
    }

    /** Seconds: 0.012, 1.25, 234. */
    static String seconds(double value) {
        return value >= 100 ? count(Math.round(value)) : String.format(Locale.ROOT, value >= 1 ? "%.2f" : "%.3f", value);
    }

    static String percent(Double share) {
        return share == null || share.isNaN() ? "-" : String.format(Locale.ROOT, "%.0f %%", share);
    }

    static String number(double value) {
        return value == Math.rint(value) ? count((long) value) : String.format(Locale.ROOT, "%.1f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
