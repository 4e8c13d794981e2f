package dev.spindle.demo;

/**
 * The live dashboard at {@code GET /}: polls {@code /metrics/routes} every second and shows, per
 * route, latency and queue wait percentiles and which routes blocked it. Served on the IO thread
 * so it stays live even when {@code --single}'s only handler thread is busy.
 */
final class Dashboard {

    private Dashboard() {
    }

    static String html(String mode) {
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>Spindle demo - %s</title>
                <style>
                  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
                  h1 { font-size: 1.4rem; } code { background: #f3f3f3; padding: 0 .3em; }
                  table { border-collapse: collapse; margin: 1rem 0; }
                  th, td { border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: right; }
                  th:first-child, td:first-child { text-align: left; }
                  .blocked { color: #b00; font-weight: bold; }
                  button { margin-right: .5rem; }
                </style>
                </head>
                <body>
                <h1>Spindle demo &mdash; mode <code>%s</code></h1>
                <p>
                  <button onclick="fire('/slow?ms=3000')">GET /slow?ms=3000</button>
                  <button onclick="fire('/fast')">GET /fast</button>
                  <button onclick="fire('/cpu?n=3000000')">GET /cpu</button>
                  <span id="last"></span>
                </p>
                <h2>Routes</h2>
                <table id="routes"><thead><tr>
                  <th>route</th><th>requests</th><th>latency p50 / p99 (ms)</th>
                  <th>queue wait p50 / p99 (ms)</th><th>refused / expired</th><th>active</th><th>waited behind</th>
                </tr></thead><tbody></tbody></table>
                <h2>Dispatchers</h2>
                <table id="dispatchers"><thead><tr>
                  <th>dispatcher</th><th>mode</th><th>active</th><th>queued</th><th>capacity</th><th>rejected</th>
                </tr></thead><tbody></tbody></table>
                <p>Raw meters: <a href="/metrics">/metrics</a> (Prometheus), <a href="/metrics/routes">/metrics/routes</a> (JSON).</p>
                <script>
                  function cell(text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; }
                  function fire(path) {
                    const started = performance.now();
                    fetch(path).then(r => r.text()).then(() => {
                      document.getElementById('last').textContent =
                        path + ' answered in ' + Math.round(performance.now() - started) + ' ms';
                    });
                  }
                  function render() {
                    fetch('/metrics/routes').then(r => r.json()).then(snapshot => {
                      const routes = document.querySelector('#routes tbody');
                      routes.replaceChildren(...snapshot.routes.filter(r => !r.uri.startsWith('/metrics') && r.uri !== '/')
                        .map(r => {
                          const tr = document.createElement('tr');
                          const blocked = Object.entries(r.blockedBy)
                            .filter(([by, b]) => b.count > 0 || b.seconds >= 0.001)
                            .sort((a, b) => b[1].seconds - a[1].seconds)
                            .map(([by, b]) => b.seconds.toFixed(1) + ' s behind ' + by + ', ' + b.count
                              + (b.count === 1 ? ' time' : ' times')).join('; ');
                          tr.append(cell(r.method + ' ' + r.uri), cell(r.count),
                            cell(r.latencyMs.p50 + ' / ' + r.latencyMs.p99), cell(r.queuedMs.p50 + ' / ' + r.queuedMs.p99),
                            cell(r.refused + ' / ' + r.expired), cell(r.active), cell(blocked || '-', blocked ? 'blocked' : ''));
                          return tr;
                        }));
                      const pools = document.querySelector('#dispatchers tbody');
                      pools.replaceChildren(...snapshot.dispatchers.map(d => {
                        const tr = document.createElement('tr');
                        tr.append(cell(d.name), cell(d.mode), cell(d.active), cell(d.queued),
                          cell(d.capacity < 0 ? 'unbounded' : d.capacity), cell(d.rejected));
                        return tr;
                      }));
                    }).catch(() => {});
                  }
                  render();
                  setInterval(render, 1000);
                </script>
                </body>
                </html>
                """.formatted(mode, mode);
    }
}
