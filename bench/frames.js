// Frame times of the spectator's pages under load, in headless Chromium through
// playwright-core (from end2end/node_modules). One tab holds two same-origin iframes,
// so both pages share one renderer main thread: the map following three runners
// with 1,000 markers moving, and the dashboard with a 10,000-point series at 10 Hz.
// requestAnimationFrame intervals are recorded in each frame; p50/p95/p99 printed.
const { chromium } = require('../end2end/node_modules/playwright-core');
const WebSocket = require('../end2end/node_modules/ws');

const BASE = process.argv[2] || 'http://127.0.0.1:3990';
const MEASURE_S = Number(process.env.SECONDS_MEASURED || 20);
// PAGES=map or PAGES=dashboard measures one page alone (to tell their costs apart).
const PAGES = process.env.PAGES || 'both';
// Runners on the map (bench/frames.sh sets it with the event it makes).
const RUNNERS = Number(process.env.RUNNERS || 1000);
const MAP_SRC = PAGES === 'dashboard' ? 'about:blank' : '/?follow=1,2,3';
const DASH_SRC = PAGES === 'map' ? 'about:blank' : '/dashboard?series=bench';

function publisher() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(BASE.replace('http', 'ws') + '/ws');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

(async () => {
  // series:bench gets 10,000 points once the dashboard listens (a fresh snapshot
  // carries only the newest 300), then 10 a second while measuring.
  const ws = await publisher();
  let n = 0;
  const send = () => {
    n += 1;
    ws.send(JSON.stringify({ type: 'publish', topic: 'series:bench', data: { value: 50 + 40 * Math.sin(n / 50) + Math.random() * 5 } }));
  };

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text().split('\n')[0]); });
  await page.route(`${BASE}/bench-harness`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><meta charset=utf-8><style>body{margin:0;display:flex}iframe{border:0;width:50vw;height:100vh}</style>
      <iframe id=map src="${MAP_SRC}"></iframe><iframe id=dash src="${DASH_SRC}"></iframe>`,
  }));
  await page.goto(`${BASE}/bench-harness`);
  const map = PAGES === 'dashboard' ? null : await (await page.$('#map')).contentFrame();
  const dash = PAGES === 'map' ? null : await (await page.$('#dash')).contentFrame();
  // Wait for the field: every runner on the map, 10,000 points in the chart.
  if (map) {
    await map.waitForFunction((n) => Number(document.querySelector('.live-map')?.dataset.markers || 0) >= n, RUNNERS, { timeout: 120_000 });
  }
  if (dash) {
    await dash.waitForFunction(() => document.querySelector('.status')?.dataset.status === 'live');
    await new Promise((r) => setTimeout(r, 1000));
  }
  for (let i = 0; i < 10_000; i++) {
    send();
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 50));
  }
  const ticker = setInterval(send, 100);
  if (dash) {
    await dash.waitForFunction(() => Number(document.querySelector('.series-chart canvas')?.dataset.points || 0) >= 10_000, null, { timeout: 60_000 })
      .catch(async (e) => {
        const seen = await dash.evaluate(() => document.querySelector('.series-chart canvas')?.dataset.points);
        throw new Error(`the series chart holds ${seen} points, not 10,000: ${e.message}`);
      });
    await dash.click('.series-chart .chart-tools button:has-text("1 h")');
  }
  const record = (seconds) => new Promise((resolve) => {
    const deltas = [];
    let last = performance.now();
    const end = last + seconds * 1000;
    const tick = (t) => {
      deltas.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick); else resolve(deltas);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  });
  // PROFILE=1: a CPU profile of the tab while measuring, its top functions on stderr.
  const cdp = process.env.PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
  const metrics = async () => {
    const c = await page.context().newCDPSession(page);
    await c.send('Performance.enable');
    const { metrics: m } = await c.send('Performance.getMetrics');
    return Object.fromEntries(m.map((x) => [x.name, x.value]));
  };
  const before = process.env.PROFILE ? await metrics() : null;
  if (process.env.TRACE) await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  const [mapFrames, dashFrames] = await Promise.all([map?.evaluate(record, MEASURE_S), dash?.evaluate(record, MEASURE_S)]);
  // DUMP=file: the raw intervals, for looking at when the long frames come.
  if (process.env.DUMP) require('fs').writeFileSync(process.env.DUMP, JSON.stringify({ map: mapFrames, dashboard: dashFrames }));
  if (process.env.TRACE) {
    // Main-thread time by trace event (complete events only; nested ones overlap).
    const trace = JSON.parse((await browser.stopTracing()).toString());
    const by = new Map();
    for (const e of trace.traceEvents) {
      if (e.ph === 'X' && e.dur) by.set(e.name, (by.get(e.name) || 0) + e.dur / 1000);
    }
    [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)
      .forEach(([k, ms]) => console.error(`${ms.toFixed(0).padStart(7)} ms  trace ${k}`));
    // Busy time per thread: top-level tasks only (every process of the browser).
    const names = new Map();
    for (const e of trace.traceEvents) {
      if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
    }
    const busy = new Map();
    for (const e of trace.traceEvents) {
      if (e.ph === 'X' && e.dur && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask')) {
        const k = names.get(`${e.pid}:${e.tid}`) || `${e.pid}:${e.tid}`;
        busy.set(k, (busy.get(k) || 0) + e.dur / 1000);
      }
    }
    [...busy.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)
      .forEach(([k, ms]) => console.error(`${ms.toFixed(0).padStart(7)} ms  thread ${k}`));
  }
  if (cdp) {
    const after = await metrics();
    for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'LayoutCount', 'RecalcStyleCount']) {
      console.error(`${k}: ${(after[k] - before[k]).toFixed(3)}`);
    }
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = profile.timeDeltas.reduce((a, b) => a + b, 0) / profile.samples.length / 1000;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    for (const id of profile.samples) {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      self.set(key, (self.get(key) || 0) + dt);
    }
    [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
      .forEach(([k, ms]) => console.error(`${ms.toFixed(0).padStart(7)} ms  ${k}`));
  }
  const markers = await map?.evaluate(() => Number(document.querySelector('.live-map').dataset.markers));
  const labels = await map?.evaluate(() => document.querySelectorAll('.runner-label').length);
  const points = await dash?.evaluate(() => Number(document.querySelector('.series-chart canvas').dataset.points));
  const stats = (d) => {
    if (!d) return null;
    const s = [...d].sort((a, b) => a - b);
    return {
      frames: d.length,
      fps: +(d.length / MEASURE_S).toFixed(1),
      p50_ms: +percentile(s, 50).toFixed(2),
      p95_ms: +percentile(s, 95).toFixed(2),
      p99_ms: +percentile(s, 99).toFixed(2),
      max_ms: +s[s.length - 1].toFixed(2),
      missed_vsync: d.filter((x) => x > 25).length, // an interval over 1.5 frames
    };
  };
  console.log(JSON.stringify({
    measured_s: MEASURE_S, pages: PAGES, markers, labels, series_points: points,
    map: stats(mapFrames), dashboard: stats(dashFrames), page_errors: problems,
  }, null, 1));
  clearInterval(ticker);
  ws.close();
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
