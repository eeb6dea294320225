import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The tests drive Debian's Chromium; Playwright never downloads a browser here.
const target = process.env.CARGO_TARGET_DIR ?? '../target';
const port = Number(process.env.LINLI_E2E_PORT ?? 8091);
// A store of the run's own: every run starts from a fresh, seeded server. Workers load this
// file again; the environment carries the runner's choice to them (tests make invites in it).
const data = (process.env.LINLI_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'linli-e2e-data-')));

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  use: {
    ...devices['Pixel 7'],
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'zh-CN',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `${target}/server/linli-server serve --addr 127.0.0.1:${port} --dist ../dist --data ${data}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
  },
});
