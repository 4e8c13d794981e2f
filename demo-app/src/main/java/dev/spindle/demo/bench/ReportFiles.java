package dev.spindle.demo.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Properties;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a run's results under {@code --out}: {@code bench-TIME.json} (everything measured),
 * {@code bench-TIME.md} (the tables) and {@code bench-TIME.html}, which opens offline: uPlot's
 * script and stylesheet, read from its WebJar on the class path, and the JSON are inlined.
 */
final class ReportFiles {

    /** The files one run wrote. */
    record Written(Path json, Path markdown, Path html) {

        List<Path> all() {
            return List.of(json, markdown, html);
        }
    }

    private static final String UPLOT = "META-INF/resources/webjars/uplot/";

    static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ReportFiles() {
    }

    static Written write(BenchResult result, Path directory) throws IOException {
        Files.createDirectories(directory);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String json = JSON.writeValueAsString(result);
        Path jsonFile = Files.writeString(directory.resolve("bench-" + stamp + ".json"), json, StandardCharsets.UTF_8);
        Path markdownFile = Files.writeString(directory.resolve("bench-" + stamp + ".md"), Report.markdown(result),
                StandardCharsets.UTF_8);
        Path htmlFile = Files.writeString(directory.resolve("bench-" + stamp + ".html"), html(result, json),
                StandardCharsets.UTF_8);
        return new Written(jsonFile, markdownFile, htmlFile);
    }

    static String html(BenchResult result, String json) throws IOException {
        String version = uplotVersion();
        String script = resource(UPLOT + version + "/dist/uPlot.iife.min.js");
        String style = resource(UPLOT + version + "/dist/uPlot.min.css");
        StringBuilder tables = new StringBuilder();
        for (Report.Table table : Report.tables(result)) {
            tables.append("<section id=\"").append(table.scenario()).append("\">\n<h2>")
                    .append(Report.escape(table.title())).append("</h2>\n<div class=\"wide\">")
                    .append(table.html()).append("</div>\n")
                    .append("<div class=\"charts\" data-scenario=\"").append(table.scenario()).append("\"></div>\n</section>\n");
        }
        StringBuilder notes = new StringBuilder();
        for (BenchResult.TargetResult target : result.targets()) {
            if (!target.note().isEmpty()) {
                notes.append("<li>").append(Report.escape(target.label() + ": " + target.note())).append("</li>");
            }
        }
        return TEMPLATE
                .replace("{{STYLE}}", style)
                .replace("{{HEADING}}", Report.escape(String.format(java.util.Locale.ROOT,
                        "%d cores, JDK %s, client %s (%d event loop%s); %s s per step; run took %.0f s",
                        result.machine().cores(), result.machine().java(), result.machine().transport(),
                        result.machine().clientThreads(), result.machine().clientThreads() == 1 ? "" : "s",
                        Report.number(result.settings().durationSeconds()), result.wallSeconds())))
                .replace("{{COMMAND}}", Report.escape(result.command()))
                .replace("{{NOTES}}", notes.isEmpty() ? "" : "<ul class=\"notes\">" + notes + "</ul>")
                .replace("{{TABLES}}", tables)
                .replace("{{UPLOT}}", script.replace("</script", "<\\/script"))
                .replace("{{DATA}}", json.replace("</", "<\\/"));
    }

    private static String uplotVersion() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = stream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            properties.load(in);
        }
        return properties.getProperty("version");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = stream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static InputStream stream(String name) throws IOException {
        InputStream in = ReportFiles.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path (the uPlot WebJar is missing)");
        }
        return in;
    }

    private static final String TEMPLATE = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Spindle bench</title>
            <style>{{STYLE}}</style>
            <style>
              body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; max-width: 1400px; }
              h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2.5rem; }
              code { background: #f3f3f3; padding: 0 .3em; }
              table { border-collapse: collapse; margin: .5rem 0 1rem; }
              th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; white-space: nowrap; }
              th:first-child, td:first-child { text-align: left; }
              .wide { overflow-x: auto; }
              .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
              .notes { color: #b00; }
              .hint { color: #555; max-width: 60rem; }
            </style>
            </head>
            <body>
            <h1>Spindle bench</h1>
            <p>{{HEADING}}</p>
            <p><code>{{COMMAND}}</code></p>
            {{NOTES}}
            <p class="hint">Latency in milliseconds, measured from each request's intended send time (open
            mode: its slot in the schedule), so a stalled server shows its real latency. Requests that timed
            out, and in open mode those due but unanswered at the end of a step, count with the time they had
            waited; answers outside 2xx/3xx (e.g. 503) stay out of the latencies. The charts plot
            latency against percentile on a log-log scale: flat and low is good, a cliff shows where requests
            started waiting. <code>threads OS / handlers</code>: the server's peak OS threads (from /proc) and
            peak busy handler threads (Spindle's <code>spindle_dispatcher_active</code>; virtual threads count
            here only). <code>client CPU</code> is bench's own share of all cores: when it and the server's add
            up to 100 %, the machine, not the server, was the limit.</p>
            {{TABLES}}
            <script>{{UPLOT}}</script>
            <script>
            const RESULT = {{DATA}};
            const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
            const MAX_X = 5.3;
            function nines(p) { return p >= 100 ? MAX_X : -Math.log10(1 - p / 100); }
            function percentLabel(x) {
              if (x >= MAX_X - 0.01) return 'max';
              const p = 100 * (1 - Math.pow(10, -x));
              return (p >= 99 ? p.toPrecision(Math.max(2, Math.round(x) + 1)) : Math.round(p)) + '%';
            }
            function latencyChart(el, title, entries) {
              const withData = entries.filter(e => e.latency && e.latency.distribution.length);
              if (!withData.length) return;
              const xs = withData[0].latency.distribution.map(d => nines(d[0]));
              const data = [xs].concat(withData.map(e => e.latency.distribution.map(d => Math.max(d[1], 0.001))));
              new uPlot({
                title: title, width: 620, height: 320,
                scales: { x: { time: false, range: [0, MAX_X] }, y: { distr: 3 } },
                axes: [
                  { label: 'percentile (the last point is the maximum)', splits: () => [0, 1, 2, 3, 4, 5], values: (u, vals) => vals.map(percentLabel) },
                  { label: 'ms', size: 60 }
                ],
                series: [{ label: 'percentile', value: (u, v) => v == null ? '-' : percentLabel(v) }].concat(withData.map((e, i) => ({
                  label: e.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: false },
                  value: (u, v) => v == null ? '-' : v.toFixed(v < 10 ? 2 : 0) + ' ms'
                })))
              }, data, el);
            }
            function throughputChart(el, title, levels, entries) {
              new uPlot({
                title: title, width: 620, height: 320,
                scales: { x: { time: false } },
                axes: [{ label: 'concurrent requests', splits: () => levels, values: (u, v) => v }, { label: 'req/s', size: 60 }],
                series: [{ label: 'concurrent' }].concat(entries.map((e, i) => ({
                  label: e.label, stroke: COLORS[i % COLORS.length], width: 2
                })))
              }, [levels].concat(entries.map(e => e.values)), el);
            }
            function step(target, scenario, name) {
              return target.steps.find(s => s.scenario === scenario && s.step === name);
            }
            document.querySelectorAll('.charts').forEach(el => {
              const scenario = el.dataset.scenario;
              if (scenario === 'cpu') {
                const levels = RESULT.settings.cpuLevels;
                throughputChart(el, 'GET /cpu: req/s by concurrency', levels, RESULT.targets.map(t => ({
                  label: t.label,
                  values: levels.map(c => { const s = step(t, 'cpu', 'c=' + c); return s ? s.loads[0].perSecond : null; })
                })));
                const top = 'c=' + levels[levels.length - 1];
                latencyChart(el, 'GET /cpu latency at ' + top, RESULT.targets.map(t => {
                  const s = step(t, 'cpu', top); return { label: t.label, latency: s && s.loads[0].latency };
                }));
                return;
              }
              const names = [];
              RESULT.targets.forEach(t => t.steps.filter(s => s.scenario === scenario)
                  .forEach(s => s.loads.forEach(l => { if (!names.includes(l.name)) names.push(l.name); })));
              names.forEach(name => latencyChart(el, 'GET ' + name + ' latency by percentile', RESULT.targets.map(t => {
                const s = step(t, scenario, 'main');
                const load = s && s.loads.find(l => l.name === name);
                return { label: t.label, latency: load && load.latency };
              })));
            });
            </script>
            </body>
            </html>
            """;
}
