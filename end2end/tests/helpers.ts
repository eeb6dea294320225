import { execFileSync } from 'node:child_process';
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { OwnServer } from './server';

/** Every test fails on a page error or a console error: a panic in the wasm kills the app. */
export const test = base.extend<{ errors: string[] }>({
  errors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(`console: ${m.text()}`);
        });
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use(errors);
      expect(errors, 'errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export type Role = 'resident' | 'grid_worker' | 'staff' | 'officer';

/** Goes through first-run onboarding and lands in the shell. */
export async function onboard(page: Page, name = '王阿姨', role: Role = 'resident', base = '') {
  await page.goto(`${base}/`);
  await page.getByText(/还没有邀请码|No invite code yet/).click();
  await page.locator('#field-member-name').fill(name);
  await page.locator('#field-role').selectOption(role);
  await page.getByRole('button', { name: /开始使用|Get started/ }).click();
  await expect(page.getByTestId('sync-badge')).toBeVisible();
}

/** Adds a skill on the Me page and waits until it is listed. */
export async function addSkill(page: Page, label: string, settled: RegExp = /仅本机|This device only/) {
  await page.locator('#field-profile-skill').fill(label);
  await page.getByRole('button', { name: /^(添加|Add)$/ }).click();
  await expect(page.getByTestId('skills').getByText(label, { exact: true })).toBeVisible();
  // Saved means on disk: the badge leaves "saving" once the strict write committed.
  await expect(page.getByTestId('sync-badge')).toHaveText(settled);
}

export function skillList(page: Page) {
  return page.getByTestId('skills').locator('.record-title');
}

/** Visible text holding Chinese characters, leaving out what the person typed and the
 * language button that names Chinese in Chinese on purpose. */
export async function chineseLeftIn(page: Page, typed: string[] = []) {
  const text = await page.locator('body').innerText();
  let rest = text.replaceAll('简体中文', '');
  for (const t of typed) rest = rest.replaceAll(t, '');
  return rest.match(/[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+/g) ?? [];
}

/** A fresh invite code of the e2e server's demo community, made with the server's CLI. */
export function invite(role: Role = 'resident'): string {
  const target = process.env.CARGO_TARGET_DIR ?? '../target';
  const data = process.env.LINLI_E2E_DATA;
  if (!data) throw new Error('LINLI_E2E_DATA is set by playwright.config.ts');
  const out = execFileSync(`${target}/server/linli-server`, [
    '--data', data, 'invite', 'create', '--community', 'huqian-2', '--role', role,
  ]).toString();
  return out.trim().split(/\s+/)[0];
}

/** Runs the e2e server's CLI against its store and returns what it printed. */
export function cli(...args: string[]): string {
  const target = process.env.CARGO_TARGET_DIR ?? '../target';
  const data = process.env.LINLI_E2E_DATA;
  if (!data) throw new Error('LINLI_E2E_DATA is set by playwright.config.ts');
  return execFileSync(`${target}/server/linli-server`, ['--data', data, ...args]).toString();
}

/** The member id of the demo community's member with this display name. */
export function memberId(name: string): string {
  const rows = cli('member', 'list', '--community', 'huqian-2')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((cols) => cols[2] === name);
  if (rows.length === 0) throw new Error(`no member named ${name}`);
  // Tests share the community: a name two tests use would pick one at random.
  if (rows.length > 1) throw new Error(`${rows.length} members named ${name}: give each test names of its own`);
  return rows[0][0];
}

/** Joins the demo community with an invite code and waits until the app is in step. */
export async function join(page: Page, code: string, name: string) {
  await page.goto('/');
  await page.locator('#field-join-code').fill(code);
  await page.locator('#field-join-name').fill(name);
  await page.getByRole('button', { name: /^(加入社区|Join)$/ }).click();
  await expect(page.getByTestId('community-name')).toHaveText('湖前第二社区');
  await expect(page.getByTestId('sync-badge')).toHaveText(/已同步|In step/);
}

/** A browser context of its own (one person's phone) and its page. */
export async function device(browser: Browser): Promise<[BrowserContext, Page]> {
  const c = await browser.newContext();
  return [c, await c.newPage()];
}

/** "YYYY-MM-DDTHH:MM" in the browser's (and this process's) time zone, as datetime-local takes it. */
export function local(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Joins the demo community of a test's own server (`OwnServer`). */
export async function joinAt(page: Page, server: OwnServer, role: Role, name: string) {
  const code = server.cli('invite', 'create', '--community', 'huqian-2', '--role', role).trim().split(/\s+/)[0];
  await page.goto(`${server.url}/`);
  await page.locator('#field-join-code').fill(code);
  await page.locator('#field-join-name').fill(name);
  await page.getByRole('button', { name: /^(加入社区|Join)$/ }).click();
  await expect(page.getByTestId('community-name')).toHaveText('湖前第二社区');
  await expect(page.getByTestId('sync-badge')).toHaveText('已同步');
}

/** Opens a proposal's page from the deliberation tab. */
export async function openProposal(page: Page, title: string) {
  await page.getByRole('navigation').getByText('社区议事').click();
  await page.getByTestId('proposal-item').filter({ hasText: title }).click();
  await expect(page.getByTestId('proposal-title')).toHaveText(title);
}
