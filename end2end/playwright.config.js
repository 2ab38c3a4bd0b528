// Browser tests: Debian's Chromium driven by Playwright against the real server.
// The server binary is built by scripts/build-site.sh (see scripts/test.sh); this config
// starts it on its own port in open mode with a fast happiness feed and the demo
// event.
const { defineConfig } = require('@playwright/test');
const path = require('path');
const fs = require('fs');

const PORT = Number(process.env.SPECTATE_E2E_PORT || 3917);
const ROOT = path.resolve(__dirname, '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');
const DATA = path.join(ROOT, 'target/e2e-data');
const EVENT = path.join(ROOT, 'server/assets/demo/event.toml');

// Every run starts from an empty store, so fixes of an earlier run do not move the
// board. Only the main process cleans: workers load this file again, and inherit
// the variable.
if (!process.env.SPECTATE_E2E_CLEANED) {
  process.env.SPECTATE_E2E_CLEANED = '1';
  fs.rmSync(DATA, { recursive: true, force: true });
}

module.exports = defineConfig({
  testDir: './tests',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // The demo event's course and runners, without its simulation: tests publish
    // the fixes. No map tiles: tests run offline.
    command: `${BIN} serve --open --addr 127.0.0.1:${PORT} --happiness-interval-ms 250 ` +
      `--event ${EVENT} --tile-url none --embed-origin http://127.0.0.1:${PORT + 100} ` +
      `--data-dir ${DATA} --site-root ${path.join(ROOT, 'target/site')} --log-level warn`,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
