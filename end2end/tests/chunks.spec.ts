import { existsSync, readdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, onboard, test } from './helpers';
import { OwnServer } from './server';

// Each module's pages (help's past its list) are a wasm chunk of their own (scripts/split.mjs):
// fetched when the module is first opened, kept by the service worker for offline use, and
// switched with the shell by an update, never mixed with another build's.

/** The module tabs, the chunk each one needs, and what its first screen shows. */
const MODULES = [
  { tab: '社区议事', chunk: 'split_deliberation', heading: '社区议事' },
  { tab: '邻里积分', chunk: 'split_points', heading: '邻里积分' },
  { tab: '网格巡查', chunk: 'split_patrol', heading: '我的巡查' },
];

/** The wasm files the page has fetched so far, by file name. */
async function wasmFetched(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname.slice(1))
      .filter((n) => n.endsWith('.wasm')),
  );
}

async function openModule(page: Page, m: (typeof MODULES)[number]) {
  await page.getByRole('navigation').getByText(m.tab).click();
  await expect(page.getByRole('heading', { name: m.heading, exact: true })).toBeVisible();
}

async function controlled(page: Page) {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

test.describe('without a service worker', () => {
  test.use({ serviceWorkers: 'block' });

  test("a module's chunk is fetched when its tab is first opened, and only then", async ({ page }) => {
    const requested: string[] = [];
    page.on('request', (r) => {
      const name = new URL(r.url()).pathname.slice(1);
      if (/^(split|chunk)_.*\.wasm$/.test(name)) requested.push(name);
    });
    const named = (prefix: string) =>
      requested.filter((n) => n.startsWith(prefix)).map((n) => n.replace(/-[0-9a-f]+\.wasm$/, ''));
    const modules = () => named('split_');
    await onboard(page, '张网格', 'grid_worker');
    await expect(page.getByRole('heading', { name: '邻里帮' })).toBeVisible();
    expect(requested, "help's list needs no chunk").toEqual([]);
    // Help's other pages (posting, a request's page, reports) are its own chunk.
    await page.getByTestId('help-new').click();
    await expect(page.getByRole('heading', { name: '发布求助', exact: true })).toBeVisible();
    expect(modules()).toEqual(['split_help']);
    // The code modules share is one file (scripts/split.mjs merges wasm-split's chunks), fetched
    // with the first module opened and never again.
    expect(named('chunk_')).toEqual(['chunk_shared']);
    await page.getByRole('navigation').getByText('邻里帮').click();

    for (const [i, m] of MODULES.entries()) {
      await openModule(page, m);
      expect(modules()).toEqual(['split_help', ...MODULES.slice(0, i + 1).map((x) => x.chunk)]);
    }
    // Opened again, a module renders from the chunk already in: nothing is fetched twice.
    const before = requested.length;
    for (const m of MODULES) await openModule(page, m);
    await page.getByRole('navigation').getByText('邻里帮').click();
    await openModule(page, MODULES[0]);
    expect(requested.length).toBe(before);
    expect(new Set(requested).size).toBe(requested.length);
    expect(named('chunk_')).toEqual(['chunk_shared']);
  });
});

test('after one online visit every module opens with the server stopped', async ({ page }) => {
  const server = await OwnServer.started();
  try {
    await onboard(page, '张网格', 'grid_worker', server.url);
    await controlled(page);
    await server.stop();
    await page.reload();
    await expect(page.getByRole('heading', { name: '邻里帮' })).toBeVisible();
    for (const m of MODULES) await openModule(page, m);
    // Each module's own route, loaded cold from the service worker, offline.
    await page.goto(`${server.url}/help/new`);
    await expect(page.getByRole('heading', { name: '发布求助', exact: true })).toBeVisible();
    for (const m of MODULES) {
      await page.goto(`${server.url}/${m.chunk.replace('split_', '')}`);
      await expect(page.getByRole('heading', { name: m.heading, exact: true })).toBeVisible();
      await expect(page.getByText('这部分应用没能下载')).toHaveCount(0);
    }
  } finally {
    await server.dispose();
  }
});

test('an update switches the shell and every chunk at once', async ({ context }) => {
  test.skip(!process.env.CI && !existsSync('../dist-next/index.html'), 'needs scripts/build-next');
  const files = (dir: string) => new Set(readdirSync(dir).filter((f) => f.endsWith('.wasm')));
  const [old, next] = [files('../dist'), files('../dist-next')];
  const shell = (set: Set<string>) => [...set].find((f) => /^linli-.*_bg\.wasm$/.test(f));
  expect(shell(old)).not.toEqual(shell(next));

  const server = await OwnServer.started();
  try {
    const page = await context.newPage();
    await onboard(page, '张网格', 'grid_worker', server.url);
    await controlled(page);
    await openModule(page, MODULES[0]);

    server.serve('../dist-next');
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await expect(page.getByTestId('update-banner')).toBeVisible();
    // While the new version waits, a module opened for the first time is the old build's.
    await openModule(page, MODULES[1]);
    for (const f of await wasmFetched(page)) expect(old, `${f} is the running build's`).toContain(f);

    await page.getByRole('navigation').getByText('我的').click();
    await page.getByRole('button', { name: '立即更新' }).click();
    await expect(page.getByTestId('app-version')).toContainText('next');
    for (const m of MODULES) await openModule(page, m);
    const fetched = await wasmFetched(page);
    expect(fetched).toContain(shell(next));
    for (const f of fetched) expect(next, `${f} is the new build's`).toContain(f);
  } finally {
    await server.dispose();
  }
});
