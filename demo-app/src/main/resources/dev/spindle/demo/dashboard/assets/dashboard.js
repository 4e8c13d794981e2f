'use strict';
// The demo dashboard: a thread timeline drawn from the server's span stream (/dashboard/spans),
// uPlot charts of the series the server keeps (/dashboard/series), and tables polled from
// /metrics/routes. The timeline and tables are drawn into the DOM (SVG and tables), and the charts
// note their axes on their elements, so the browser tests read what a person sees.
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const WINDOW_MS = 20000;
  const LANE_HEIGHT = 22;
  const WAIT_ROW = 9;
  const LABEL_WIDTH = 210;
  const WIDTH = 1200;
  const MAX_LANES = 40;          // beyond this many threads in the window, lanes are packed
  const spans = new Map();       // seq -> span
  let serverNow = 0;             // the server's clock (ms since the recorder's origin) at the last event
  let receivedAt = 0;            // performance.now() when it came

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // One colour per route, the same on the timeline and the charts: the teaching routes always
  // alike, the others from a palette in the order the page first meets them.
  const FIXED_COLOURS = { '/slow': '#d9532c', '/fast': '#2ca02c', '/cpu': '#9467bd', '/whoami': '#17a2c8' };
  const PALETTE = ['#1f5fbf', '#ff9f1c', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#0b7a75', '#c71585',
    '#6b8e23', '#b8860b', '#4b0082', '#ff6f91'];
  const assigned = new Map();

  function colour(route) {
    if (FIXED_COLOURS[route]) return FIXED_COLOURS[route];
    if (!assigned.has(route)) {
      const next = assigned.size;
      assigned.set(route, next < PALETTE.length ? PALETTE[next] : 'hsl(' + (next * 47) % 360 + ', 55%, 45%)');
    }
    return assigned.get(route);
  }

  function seconds(ms) {
    return ms >= 1000 ? (ms / 1000).toFixed(1) + ' s' : ms >= 10 ? Math.round(ms) + ' ms' : ms.toFixed(1) + ' ms';
  }

  function waitText(span) {
    const waited = span.start - span.ready;
    if (!span.waits.length) return 'waited ' + seconds(waited) + ' for a thread';
    const parts = span.waits.filter((w, i) => i === 0 || w.ms >= waited * 0.05)
      .map(w => seconds(w.ms) + ' behind ' + w.route);
    return 'waited ' + parts.join(', ');
  }

  function now() {
    return serverNow + (performance.now() - receivedAt);
  }

  // Lanes: one per handler thread seen in the window, in the order they first ran something.
  // Past MAX_LANES (thousands of virtual threads), spans are packed into rows instead.
  function lanesFor(visible) {
    const ran = visible.filter(s => s.thread !== null).sort((a, b) => a.start - b.start);
    const turnedAway = visible.filter(s => s.thread === null);
    const threads = new Map();
    for (const span of ran) {
      const key = span.thread + '#' + span.threadId;
      // virtual threads share one name: their id tells them apart
      const label = span.virtual ? span.thread + ' #' + span.threadId : span.thread;
      if (!threads.has(key)) threads.set(key, { label: label, key: key, spans: [] });
      threads.get(key).spans.push(span);
    }
    let lanes = [...threads.values()];
    if (lanes.length > MAX_LANES) {
      const rows = [];
      for (const span of ran) {
        let row = rows.find(r => r.free <= span.ready);
        if (!row) {
          row = { label: '', key: 'packed-' + rows.length, spans: [], free: 0, threads: 0 };
          rows.push(row);
        }
        row.spans.push(span);
        row.free = span.end + 1;
        row.threads++;
      }
      rows.forEach((row, i) => { row.label = 'threads, packed: row ' + (i + 1) + ' (' + row.threads + ')'; });
      lanes = rows;
    }
    if (turnedAway.length) lanes.push({ label: 'refused / expired', key: 'turned-away', spans: turnedAway });
    return { lanes: lanes, packed: threads.size > MAX_LANES, threads: threads.size };
  }

  function render() {
    const svg = document.getElementById('timeline');
    const end = now();
    const start = end - WINDOW_MS;
    const visible = [...spans.values()].filter(s => s.end >= start - 1);
    const { lanes, packed, threads } = lanesFor(visible);
    // Each lane: its bars on top, and below them each wait for a thread on a thin row of its own, so
    // requests queued behind one bar line up under it.
    for (const lane of lanes) {
      const rows = [];
      lane.waitRow = new Map();
      // a wait is drawn only for a request that queued: one a route's threads held up (waits), not
      // the microseconds any request takes to be handed to a thread
      for (const span of lane.spans.filter(s => s.thread !== null && s.waits.length > 0)
        .sort((a, b) => a.ready - b.ready)) {
        let row = rows.findIndex(end => end <= span.ready);
        if (row < 0) { row = rows.length; rows.push(0); }
        rows[row] = span.start;
        lane.waitRow.set(span.seq, row);
      }
      lane.height = LANE_HEIGHT + rows.length * WAIT_ROW;
    }
    const height = 22 + Math.max(LANE_HEIGHT, lanes.reduce((sum, lane) => sum + lane.height, 0));
    const plot = WIDTH - LABEL_WIDTH - 10;
    const x = t => LABEL_WIDTH + Math.max(0, (t - start) / WINDOW_MS * plot);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + WIDTH + ' ' + height);
    svg.replaceChildren();
    const defs = el('defs');
    const hatch = el('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse',
      patternTransform: 'rotate(45)' });
    hatch.append(el('rect', { width: 6, height: 6, fill: '#fff' }), el('line', { x1: 0, y1: 0, x2: 0, y2: 6,
      stroke: '#777', 'stroke-width': 3 }));
    defs.append(hatch);
    svg.append(defs);
    const axis = el('g', { class: 'axis' });
    for (let s = 0; s <= WINDOW_MS / 1000; s += 2) {
      const t = end - s * 1000;
      axis.append(el('line', { x1: x(t), x2: x(t), y1: 14, y2: height }),
        el('text', { x: x(t) - 10, y: 11 }, s === 0 ? 'now' : '-' + s + ' s'));
    }
    svg.append(axis);
    if (!lanes.length) {
      svg.append(el('text', { x: LABEL_WIDTH, y: 38 }, 'No requests in the last ' + WINDOW_MS / 1000
        + ' s: click an experiment above.'));
    }
    let y = 18;
    for (const lane of lanes) {
      const g = el('g', { class: 'lane', 'data-lane': lane.key, 'data-thread': lane.label });
      g.append(el('rect', { class: 'lane-bg', x: 0, y: y, width: WIDTH, height: lane.height - 3 }));
      g.append(el('text', { class: 'lane-label', x: 4, y: y + 13 }, lane.label));
      for (const span of lane.spans) {
        if (span.thread === null) {
          const mark = el('rect', { class: 'turned-away', 'data-route': span.route, 'data-outcome': span.outcome,
            x: x(span.start) - 2, y: y + 2, width: 4, height: LANE_HEIGHT - 8 });
          mark.append(el('title', {}, span.method + ' ' + span.route + ' ' + span.outcome + ' (' + span.status + ')'
            + (span.waits.length ? ', ' + waitText(span) : '')));
          g.append(mark);
          continue;
        }
        if (lane.waitRow.has(span.seq)) {
          const wait = el('rect', { class: 'wait', 'data-route': span.route,
            'data-blocker': span.waits.length ? span.waits[0].route : '', fill: 'url(#hatch)',
            x: x(span.ready), y: y + LANE_HEIGHT - 3 + lane.waitRow.get(span.seq) * WAIT_ROW,
            width: Math.max(2, x(span.start) - x(span.ready)), height: WAIT_ROW - 2 });
          wait.append(el('title', {}, waitText(span)));
          g.append(wait);
        }
        const bar = el('rect', { class: 'span', 'data-route': span.route, 'data-seq': span.seq,
          fill: colour(span.route), x: x(span.start), y: y + 1,
          width: Math.max(3, x(span.end) - x(span.start)), height: LANE_HEIGHT - 6 });
        bar.append(el('title', {}, span.method + ' ' + span.route + ' on ' + span.thread + ': ran '
          + seconds(span.end - span.start) + (span.status !== 200 ? ', status ' + span.status : '')));
        g.append(bar);
      }
      svg.append(g);
      y += lane.height;
    }
    document.getElementById('timeline-status').textContent = packed
      ? threads + ' threads in the window: packed into ' + lanes.length + ' rows' : '';
  }

  function connect() {
    const source = new EventSource('/dashboard/spans');
    source.addEventListener('spans', event => {
      const data = JSON.parse(event.data);
      serverNow = data.now;
      receivedAt = performance.now();
      for (const span of data.spans) spans.set(span.seq, span);
      for (const [seq, span] of spans) {
        if (span.end < serverNow - WINDOW_MS - 1000) spans.delete(seq);
      }
    });
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  let latestWindow = {};

  function ms(value) {
    return value === null || value === undefined ? '-' : (value >= 10 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));
  }

  function renderTables() {
    fetch('/metrics/routes').then(r => r.json()).then(snapshot => {
      const routes = snapshot.routes.filter(r => !isOwn(r.uri));
      document.querySelector('#routes tbody').replaceChildren(...routes.map(r => {
        const tr = document.createElement('tr');
        const key = r.method + ' ' + r.uri;
        const w = latestWindow[key];
        tr.append(cell(key), cell((w ? w.requests : 0) + ' / ' + r.count));
        if (!w || w.requests === 0) {
          const none = cell('no requests in the last ' + period(Math.max(1, seriesCovered)), 'stale');
          none.colSpan = 2;
          tr.append(none);
        } else {
          tr.append(cell(ms(w.p50) + ' / ' + ms(w.p99)),
            cell(w.queueP50 === null ? 'never queued' : ms(w.queueP50) + ' / ' + ms(w.queueP99)));
        }
        tr.append(cell(r.refused + ' / ' + r.expired), cell(r.active));
        return tr;
      }));
      renderBlockedBy(routes);
      document.querySelector('#dispatchers tbody').replaceChildren(...snapshot.dispatchers.map(d => {
        const tr = document.createElement('tr');
        tr.append(cell(d.name), cell(d.mode), cell(d.active), cell(d.queued),
          cell(d.capacity < 0 ? 'unbounded' : d.capacity), cell(d.rejected));
        return tr;
      }));
    }).catch(() => {});
  }

  // route (rows) × blocker (columns): seconds of queue wait that fell to the blocker, and how many
  // requests had it as their main blocker.
  function renderBlockedBy(routes) {
    const blockers = [...new Set(routes.flatMap(r => Object.keys(r.blockedBy)))].sort();
    const head = document.createElement('tr');
    head.append(cell('waited ↓ / behind →'), ...blockers.map(b => cell(b)));
    document.querySelector('#blocked-by thead').replaceChildren(head);
    const rows = routes.filter(r => Object.keys(r.blockedBy).length).map(r => {
      const tr = document.createElement('tr');
      tr.append(cell(r.method + ' ' + r.uri));
      for (const blocker of blockers) {
        const b = r.blockedBy[blocker];
        tr.append(b && (b.count > 0 || b.seconds >= 0.001)
          ? cell(seconds(b.seconds * 1000) + ' (' + b.count + ')', 'blocked') : cell('-'));
      }
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement('tr');
      tr.append(cell('no request has waited behind another route yet'));
      rows.push(tr);
    }
    document.querySelector('#blocked-by tbody').replaceChildren(...rows);
  }

  let seriesCovered = 0;
  let chartSeconds = 0;          // the charts' x range: the seconds kept so far, at least MIN_CHART_SECONDS
  let lastView = null;
  const MIN_CHART_SECONDS = 10;
  const AXIS_FONT = '11px system-ui, sans-serif';
  const AXIS_GAP = 5;
  const charts = {};
  const measure = document.createElement('canvas').getContext('2d');

  // The y axis as wide as its widest tick label (12,345 req/s or 1,234 ms), so no label is cut at
  // the chart's left edge; the labels are written on the chart element, for the browser test.
  function yAxisSize(target) {
    return (u, values, axisIdx) => {
      const axis = u.axes[axisIdx];
      measure.font = AXIS_FONT;
      const labels = (values || []).filter(v => v !== null && v !== undefined).map(String);
      if (values) target.dataset.yLabels = JSON.stringify(labels);
      const widest = labels.reduce((max, label) => Math.max(max, measure.measureText(label).width), 0);
      return Math.ceil(widest + (axis.ticks.show ? axis.ticks.size : 0) + axis.gap + 2);
    };
  }

  function lastSecond(u) {
    return u.data[0][u.data[0].length - 1];
  }

  // One chart per measure, one series per name. With dots, each value is drawn as a dot too: a p99
  // exists only for seconds with requests, and a lone one between empty seconds is no line at all.
  function chart(id, title, unit, names, colours, data, dots) {
    const key = names.join('|');
    const existing = charts[id];
    if (existing && existing.key === key) {
      existing.plot.setData(data);
      return;
    }
    if (existing) existing.plot.destroy();
    const target = document.getElementById(id);
    target.dataset.axisFont = AXIS_FONT;
    const opts = {
      title: title, width: 590, height: 170,
      legend: { show: false },
      cursor: { sync: { key: 'series', scales: ['x', null] } },  // one second on all charts; their y units differ
      // y from 0, so a flat line reads as what it is; a chart with no value yet still has an axis
      // x ends at the latest second: not at uPlot's own max, which for a lone second lies 1,000 days later
      scales: { x: { time: true, range: u => [lastSecond(u) - chartSeconds, lastSecond(u)] },
        y: { range: (u, min, max) => !(max > 0) ? [0, 1] : uPlot.rangeNum(0, max, 0.1, true) } },
      axes: [{ font: AXIS_FONT, gap: AXIS_GAP },
        { label: unit, labelSize: 20, labelFont: 'bold ' + AXIS_FONT, font: AXIS_FONT, gap: AXIS_GAP, size: yAxisSize(target) }],
      series: [{}].concat(names.map((name, i) => ({ label: name, stroke: colours[i], width: 1.5,
        spanGaps: false, points: dots ? { show: true, size: 4, fill: colours[i] } : { size: 4 } }))),
      hooks: {
        setCursor: [u => showValues(u.cursor.idx)],
        // the x range and the latest second on the chart element, for the browser test
        setScale: [(u, key) => {
          if (key === 'x') target.dataset.xRange = JSON.stringify([u.scales.x.min, u.scales.x.max, lastSecond(u)]);
        }]
      }
    };
    charts[id] = { key: key, plot: new uPlot(opts, data, target) };
  }

  const DISPATCHER_SERIES = [['active', '#1f5fbf'], ['queued', '#ff9f1c'], ['capacity', '#7f7f7f'], ['refused', '#d62728']];

  function renderSeries() {
    fetch('/dashboard/series').then(r => r.json()).then(view => {
      seriesCovered = view.coveredSeconds;
      chartSeconds = Math.min(view.windowSeconds, Math.max(MIN_CHART_SECONDS, view.coveredSeconds));
      latestWindow = view.window;
      lastView = view;
      document.getElementById('series-span').textContent = view.times.length ? period(chartSeconds) : '';
      document.getElementById('series-covered').textContent = !view.times.length ? 'the first reading comes within a second'
        : view.coveredSeconds < view.windowSeconds
          ? 'the server has kept ' + period(view.coveredSeconds) + ' so far; the charts grow to ' + period(view.windowSeconds)
          : 'kept on the server, so a page opened later sees the same';
      if (typeof uPlot === 'undefined' || !view.times.length) return;
      const names = Object.keys(view.routes);
      const colours = names.map(name => colour(name.replace(/^[A-Z]+ /, '')));
      const pick = field => [view.times].concat(names.map(n => view.routes[n][field]));
      chart('chart-rate', 'requests per second', 'req/s', names, colours, pick('rate'), false);
      chart('chart-p99', 'p99 latency per second', 'ms', names, colours, pick('p99'), true);
      chart('chart-queue', 'p99 queue wait per second', 'ms', names, colours, pick('queueP99'), true);
      const [name, d] = Object.entries(view.dispatchers)[0] || [];
      if (d) {
        chart('chart-dispatcher', 'dispatcher ' + name, 'requests', DISPATCHER_SERIES.map(s => s[0]),
          DISPATCHER_SERIES.map(s => s[1]), [view.times, d.active, d.queued, d.capacity, d.refused], false);
      }
      showValues(hovered);
    }).catch(() => {});
  }

  function period(s) {
    return s < 60 ? s + ' s' : s % 60 === 0 ? s / 60 + ' min' : Math.floor(s / 60) + ' min ' + s % 60 + ' s';
  }

  let hovered = null;

  // The charts' values at one second: the one under the cursor, else the latest.
  function showValues(idx) {
    hovered = idx === undefined ? null : idx;
    const view = lastView;
    if (!view || !view.times.length) return;
    const at = hovered !== null && hovered < view.times.length ? hovered : view.times.length - 1;
    const time = new Date(view.times[at] * 1000).toTimeString().slice(0, 8);
    document.getElementById('series-at').textContent = hovered !== null
      ? 'The second ending ' + time + ' (under the cursor):'
      : 'The latest second, ending ' + time + ' (hover a chart for another):';
    const value = (v, unit) => v === null || v === undefined ? cell('no requests', 'stale') : cell(ms(v) + unit);
    document.querySelector('#series-values tbody').replaceChildren(...Object.entries(view.routes).map(([name, r]) => {
      const tr = document.createElement('tr');
      const label = cell('');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = colour(name.replace(/^[A-Z]+ /, ''));
      label.append(swatch, document.createTextNode(name));
      tr.append(label, cell(r.rate[at].toLocaleString('en-US') + ' req/s'),
        r.rate[at] ? value(r.p99[at], ' ms') : value(null), r.rate[at] ? value(r.queueP99[at], ' ms') : value(null));
      return tr;
    }));
    const [name, d] = Object.entries(view.dispatchers)[0] || [];
    document.getElementById('dispatcher-at').textContent = d ? 'Dispatcher ' + name + ': ' + d.active[at] + ' active, '
      + d.queued[at] + ' queued, capacity ' + (d.capacity[at] === null ? 'unbounded' : d.capacity[at]) + ', '
      + d.refused[at] + ' refused in that second.' : '';
  }

  function isOwn(uri) {
    return uri === '/' || uri.startsWith('/metrics') || uri.startsWith('/dashboard/') || uri.startsWith('/experiments/');
  }

  function post(path, resultId, describe) {
    const target = document.getElementById(resultId);
    target.textContent = 'running…';
    return fetch(path, { method: 'POST' })
      .then(r => r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)))
      .then(result => { target.textContent = describe(result); return result; })
      .catch(error => { target.textContent = 'failed: ' + error.message; });
  }

  document.getElementById('slow-then-fast').addEventListener('click', () =>
    post('/experiments/slow-then-fast', 'experiment-result',
      r => 'done: /slow answered ' + r.slow + ', the three /fast ' + r.fast.join(', ')));
  document.getElementById('counter-100').addEventListener('click', () =>
    post('/experiments/counter', 'counter-result', r =>
      'unsafe counter: ' + r.unsafe + ' of ' + r.increments + ' (' + r.unsafeLost + ' lost); safe counter (Mutex): '
      + r.safe + ' of ' + r.increments + ' (' + r.safeLost + ' lost)'));
  document.getElementById('whoami-10').addEventListener('click', async () => {
    const list = document.getElementById('whoami-list');
    const summary = document.getElementById('whoami-summary');
    list.replaceChildren();
    summary.textContent = 'calling…';
    const seen = new Set();
    for (let i = 0; i < 10; i++) {
      const me = await fetch('/whoami').then(r => r.json());
      seen.add(me.id);
      const li = document.createElement('li');
      li.textContent = me.thread + ' (id ' + me.id + (me.virtual ? ', virtual' : ', platform') + ')';
      list.append(li);
    }
    summary.textContent = seen.size + (seen.size === 1 ? ' thread' : ' different threads') + ' ran the 10 calls';
  });
  const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'];
  const POLL_MS = 250;

  function sleep(ms) {
    return new Promise(resolve => setTimeout(resolve, ms));
  }

  function jobWay(id, submitted) {
    const panel = document.getElementById(id);
    const progress = panel.querySelector('.progress');
    const arrived = panel.querySelector('.arrived');
    panel.dataset.state = 'waiting';
    progress.textContent = 'waiting…';
    arrived.textContent = '';
    return {
      progress: text => { progress.textContent = text; },
      arrived: (state, detail) => {
        panel.dataset.state = 'arrived';
        arrived.textContent = state + ' at +' + Math.round(performance.now() - submitted) + ' ms' + (detail ? ', ' + detail : '');
      },
      failed: text => { panel.dataset.state = 'failed'; arrived.textContent = text; }
    };
  }

  function percent(job) {
    return job.state + ' ' + job.progress.percent + '%';
  }

  function count(n, what) {
    return n + ' ' + what + (n === 1 ? '' : 's');
  }

  async function byPolling(id, way) {
    for (let requests = 1; ; requests++) {
      const job = await fetch('/jobs/' + id).then(r => r.json());
      way.progress(percent(job) + ' (' + count(requests, 'request') + ')');
      if (FINISHED.includes(job.state)) {
        way.arrived(job.state, 'after ' + count(requests, 'request'));
        return;
      }
      await sleep(POLL_MS);
    }
  }

  async function byLongPolling(id, way) {
    for (let requests = 1; ; requests++) {
      const job = await fetch('/jobs/' + id + '?wait=30s').then(r => r.json());
      way.progress(percent(job) + ' (' + count(requests, 'request') + ')');
      if (FINISHED.includes(job.state)) {
        way.arrived(job.state, 'after ' + count(requests, 'request'));
        return;
      }
    }
  }

  function clock(instant) {
    const t = new Date(instant);
    return t.toTimeString().slice(0, 8) + '.' + String(t.getMilliseconds()).padStart(3, '0');
  }

  // The receiver pushes the delivery on a stream of its own as the job's POST reaches it.
  function byWebhook(id, way) {
    way.progress('connecting to the receiver\'s stream');
    const source = new EventSource('/dashboard/webhook/' + encodeURIComponent(id) + '/events');
    source.addEventListener('waiting', () => way.progress('listening to the receiver\'s stream: no delivery yet'));
    source.addEventListener('delivery', event => {
      source.close();
      const delivery = JSON.parse(event.data);
      way.progress('the receiver got it at ' + clock(delivery.receivedAt) + ', +' + delivery.msAfterSubmission
        + ' ms (server clock); signature ' + (delivery.verified ? 'verified' : 'NOT verified'));
      way.arrived(delivery.state, 'pushed by the receiver');
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) way.failed('the receiver\'s stream closed before the delivery');
    });
  }

  function byEvents(id, way) {
    const source = new EventSource('/jobs/' + id + '/events');
    let events = 0;
    source.addEventListener('progress', event => {
      events++;
      const job = JSON.parse(event.data);
      way.progress(job.state + ' ' + job.percent + '% (' + count(events, 'event') + ')');
    });
    source.addEventListener('result', event => {
      source.close();
      way.progress(percent(JSON.parse(event.data).job) + ' (' + count(events + 1, 'event') + ')');
      way.arrived('SUCCEEDED', 'after ' + count(events + 1, 'event'));
    });
    source.addEventListener('error', event => {
      source.close();
      if (event.data) {
        way.arrived(JSON.parse(event.data).job.state, 'after ' + count(events + 1, 'event'));
      } else if (document.getElementById('job-sse').dataset.state === 'waiting') {
        way.failed('the stream closed before the result');
      }
    });
  }

  document.getElementById('job-start').addEventListener('click', async () => {
    const status = document.getElementById('job-status');
    const receiver = await fetch('/dashboard/webhook').then(r => r.json());
    const submitted = performance.now();
    const ways = ['job-poll', 'job-longpoll', 'job-webhook', 'job-sse'].map(id => jobWay(id, submitted));
    const response = await fetch('/jobs/report', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ms: 2000, steps: 10, callbackUrl: receiver.url })
    });
    const job = await response.json();
    if (!response.ok) {
      status.textContent = 'refused: ' + job.detail;
      ways.forEach(way => way.failed('no job'));
      return;
    }
    status.textContent = 'job ' + job.id + ' submitted, webhook to ' + receiver.url;
    const failed = way => error => way.failed('failed: ' + error.message);
    byPolling(job.id, ways[0]).catch(failed(ways[0]));
    byLongPolling(job.id, ways[1]).catch(failed(ways[1]));
    byWebhook(job.id, ways[2]);
    byEvents(job.id, ways[3]);
  });

  for (const button of document.querySelectorAll('button[data-fire]')) {
    button.addEventListener('click', () => {
      const path = button.dataset.fire;
      const started = performance.now();
      fetch(path).then(r => r.text()).then(() => {
        document.getElementById('experiment-result').textContent =
          path + ' answered in ' + Math.round(performance.now() - started) + ' ms';
      });
    });
  }

  connect();
  render();
  setInterval(render, 250);
  renderSeries();
  setInterval(renderSeries, 1000);
  renderTables();
  setInterval(renderTables, 1000);
})();
