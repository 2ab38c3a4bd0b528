// What a spectator downloads on a first visit and on a return (warm cache), page by
// page, until the page is live (its socket greeted): bytes on the wire (CDP's
// encodedDataLength, headers included), and which requests went to the network.
// WebSocket frames are not counted. Prints JSON.
//   node bench/revisit.js http://127.0.0.1:3961 [/ /dashboard /track /room]
const { chromium } = require('../end2end/node_modules/playwright-core');

const BASE = process.argv[2] || 'http://127.0.0.1:3961';
const PAGES = process.argv.length > 3 ? process.argv.slice(3) : ['/', '/dashboard', '/track', '/room'];

async function visit(page, cdp, url) {
  const requests = new Map();
  const on = (event, f) => cdp.on(event, f);
  on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, bytes: 0, cached: false }));
  on('Network.requestServedFromCache', (e) => { const r = requests.get(e.requestId); if (r) r.cached = true; });
  on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r && (e.response.fromDiskCache || e.response.fromPrefetchCache)) r.cached = true;
  });
  on('Network.loadingFinished', (e) => { const r = requests.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
  await page.goto(url);
  await page.waitForSelector('.status[data-status="live"]', { timeout: 30_000 });
  await page.waitForTimeout(1000); // what the page asks for once live (the map's Leaflet)
  cdp.removeAllListeners();
  const all = [...requests.values()].filter((r) => !r.url.startsWith('data:'));
  const network = all.filter((r) => !r.cached);
  return {
    bytes: network.reduce((s, r) => s + r.bytes, 0),
    requests: all.length,
    from_network: network.map((r) => `${new URL(r.url).pathname} ${r.bytes}`),
  };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const out = {};
  for (const path of PAGES) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const first = await visit(page, cdp, BASE + path);
    // A return: a new navigation to the same page, the cache kept.
    await page.goto('about:blank');
    const again = await visit(page, cdp, BASE + path);
    out[path] = { first, again };
    await context.close();
  }
  await browser.close();
  console.log(JSON.stringify(out, null, 1));
})();
