import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { addSkill, expect, onboard, skillList, test } from './helpers';
import { OwnServer } from './server';

async function controlled(page: Page) {
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

test('after one online visit the app starts, shows its data and takes new records with the server stopped', async ({ page }) => {
  const server = new OwnServer();
  server.serve('../dist');
  await server.start();
  try {
    await onboard(page, '王阿姨', 'resident', server.url);
    await page.goto(`${server.url}/me`);
    await addSkill(page, '修自行车');
    await controlled(page);

    await server.stop();
    await page.reload();
    await expect(skillList(page)).toHaveText(['修自行车']);
    await controlled(page);
    await addSkill(page, '借梯子');
    await page.goto(`${server.url}/help`);
    await expect(page.getByRole('heading', { name: '邻里帮' })).toBeVisible();
    await page.goto(`${server.url}/me`);
    await expect(skillList(page)).toHaveText(['修自行车', '借梯子']);
  } finally {
    await server.dispose();
  }
});

test('a new build shows the update prompt and, after the tap, every tab runs it with data intact', async ({ context }) => {
  // scripts/test makes the second build; only a hand-run suite may lack it.
  test.skip(!process.env.CI && !existsSync('../dist-next/index.html'), 'needs scripts/build-next');
  const server = new OwnServer();
  server.serve('../dist');
  await server.start();
  try {
    const one = await context.newPage();
    await onboard(one, '王阿姨', 'resident', server.url);
    // Tab one never reloads before the update: it started with no worker, was claimed by
    // the first one, and must still follow the next version.
    await one.getByRole('navigation').getByText('我的').click();
    await addSkill(one, '修水管');
    await controlled(one);
    const two = await context.newPage();
    await two.goto(`${server.url}/me`);
    await controlled(two);
    const firstVersion = await one.getByTestId('app-version').innerText();

    server.serve('../dist-next');
    for (const page of [one, two]) {
      await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    }
    await expect(one.getByTestId('update-banner')).toBeVisible();
    await expect(two.getByTestId('update-banner')).toBeVisible();

    // Never while a draft is open: typing disables the switch, clearing allows it.
    const update = one.getByRole('button', { name: '立即更新' });
    await one.locator('#field-profile-skill').fill('还没写完');
    await expect(update).toBeDisabled();
    await one.locator('#field-profile-skill').fill('');
    await expect(update).toBeEnabled();

    await update.click();
    for (const page of [one, two]) {
      await expect(page.getByTestId('app-version')).not.toHaveText(firstVersion);
      await expect(page.getByTestId('app-version')).toContainText('next');
      await expect(skillList(page)).toHaveText(['修水管']);
      await expect(page.getByTestId('update-banner')).toHaveCount(0);
    }
  } finally {
    await server.dispose();
  }
});

test('the skeleton shows before the wasm has loaded', async ({ page }) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/*.wasm', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await expect(page.locator('#skeleton')).toBeVisible();
  await expect(page.locator('#skeleton')).toContainText('正在加载… Loading…');
  await expect(page.locator('#skeleton .app-name')).toHaveText('邻里 Linli');
  release();
  await expect(page.getByRole('heading', { name: '欢迎来到邻里' })).toBeVisible();
  await expect(page.locator('#skeleton')).toHaveCount(0);
});

test('changes that waited more than a day to leave the device are warned about', async ({ page }) => {
  await onboard(page);
  await page.goto('/me');
  await addSkill(page, '修自行车');
  await expect(page.getByTestId('sync-overdue')).toHaveCount(0);
  // The first change was made two days ago (as this device's clock tells).
  await page.evaluate(() => localStorage.setItem('linli.unsynced_since', String(Date.now() - 2 * 86_400_000)));
  await page.reload();
  await expect(page.getByTestId('sync-overdue')).toContainText('只保存在这台设备上已超过一天');
  await page.getByTestId('sync-overdue').getByRole('button', { name: '知道了' }).click();
  await expect(page.getByTestId('sync-overdue')).toHaveCount(0);
});
