// Browser tests: Debian's Chromium driven by Playwright against the real server.
// The server binary is built by `cargo leptos build` (see scripts/test.sh); this config
// starts it on its own port in open mode with a fast happiness feed.
const { defineConfig } = require('@playwright/test');
const path = require('path');

const PORT = Number(process.env.SPECTATE_E2E_PORT || 3917);
const ROOT = path.resolve(__dirname, '..');
const BIN = process.env.SPECTATE_BIN || path.join(ROOT, 'target/debug/spectate');

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
    command: `${BIN} serve --open --addr 127.0.0.1:${PORT} --happiness-interval-ms 250 ` +
      `--data-dir ${path.join(ROOT, 'target/e2e-data')} --site-root ${path.join(ROOT, 'target/site')} --log-level warn`,
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
