// The race-day monitor with a large field, in headless Chromium through playwright-core
// (from end2end/node_modules): how long a poll's update and the ages' one-second tick
// take (the page writes them on its table: data-update-ms, data-tick-ms, from the data
// in hand to after the next frame), at the top of the table and half way down, how
// long a scroll and a sort take; and screenshots at 360 and 1366 px wide.
//
//   node bench/monitor_scale.js http://127.0.0.1:3932 NAME PASSWORD OUT_DIR
//
// The server must track the big event (bench/event.sh) and have the organiser NAME.
const { chromium } = require('../end2end/node_modules/playwright-core');

const [BASE, NAME, PASSWORD, OUT] = process.argv.slice(2);

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

/** Reads the table's two timings every `everyMs` for `seconds`: each new value once. */
async function sample(page, seconds) {
  const update = [];
  const tick = [];
  let last = {};
  for (let i = 0; i < seconds * 4; i++) {
    const now = await page.evaluate(() => {
      const t = document.getElementById('monitor-table');
      return { u: t.dataset.updateMs, k: t.dataset.tickMs, stamp: performance.now() };
    });
    if (now.u !== undefined && now.u !== last.u) update.push(Number(now.u));
    if (now.k !== undefined && now.k !== last.k) tick.push(Number(now.k));
    last = now;
    await page.waitForTimeout(250);
  }
  return { update: stats(update), tick: stats(tick) };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results = {};
  for (const width of [1366, 360]) {
    const context = await browser.newContext({ viewport: { width, height: width === 360 ? 780 : 900 } });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text().split('\n')[0]); });
    await page.goto(`${BASE}/admin/sign-in`);
    await page.fill('input[name=name]', NAME);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.goto(`${BASE}/admin/monitor`);
    await page.waitForSelector('#monitor-table tbody tr[data-bib]', { timeout: 60_000 });
    const rows = await page.evaluate(() => document.querySelector('[data-testid=runner-count]').textContent);
    await page.screenshot({ path: `${OUT}/monitor-${width}.png` });
    if (width === 1366) {
      results.atTop = await sample(page, 16);
      results.rowsDrawn = await page.evaluate(() => document.querySelectorAll('#monitor-table tbody tr[data-bib]').length);
      // Scrolling half way down, from the scroll to after the next frame.
      results.scrollMs = await page.evaluate(() => new Promise((resolve) => {
        const box = document.querySelector('.monitor-scroll');
        const t0 = performance.now();
        box.scrollTop = box.scrollHeight / 2;
        box.dispatchEvent(new Event('scroll'));
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
      }));
      results.halfWay = await sample(page, 8);
      // Sorting 5,000 rows by battery, from the click to after the next frame.
      results.sortMs = await page.evaluate(() => new Promise((resolve) => {
        const t0 = performance.now();
        document.querySelector('button[data-sort="Battery"]').click();
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
      }));
    }
    results[`rows_${width}`] = rows;
    results[`problems_${width}`] = problems;
    await context.close();
  }
  console.log(JSON.stringify(results, null, 2));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
