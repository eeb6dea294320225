import { cli, expect, join, test } from './helpers';
import type { Browser, Page } from '@playwright/test';

// Patrol: a grid worker logs a whole round with no signal (geolocation emulated), one finding
// escalated; the department's officer reports in and resolves it on another phone; the
// worker and staff see each step. A resident's report reaches the grid's worker and the
// answer comes back. A resident has no patrol tab and no patrol document.

const HERE = { latitude: 31.2304, longitude: 121.4737, accuracy: 12 };

function code(role: string, ...assign: string[]): string {
  return cli('invite', 'create', '--community', 'huqian-2', '--role', role, ...assign).trim().split(/\s+/)[0];
}

async function phone(browser: Browser, geo = false): Promise<[import('@playwright/test').BrowserContext, Page]> {
  const c = await browser.newContext(geo ? { geolocation: HERE, permissions: ['geolocation'] } : {});
  return [c, await c.newPage()];
}

async function openPatrol(page: Page, tab: string, heading: string) {
  await page.getByRole('navigation').getByText(tab).click();
  await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
}

async function logFinding(page: Page, what: string, escalate = false) {
  await page.locator('#field-patrol-description').fill(what);
  if (escalate) {
    await page.locator('#field-patrol-category').selectOption('facility');
    await page.getByLabel('上报部门').check();
    await expect(page.locator('#field-patrol-department')).toHaveValue('water');
  } else {
    await page.locator('#field-patrol-action').fill('当场劝导清理');
  }
  await page.getByRole('button', { name: '保存记录' }).click();
  await expect(page.getByText('已记录在本机，有网时自动同步。')).toBeVisible();
  await expect(page.locator('#field-patrol-description')).toHaveValue('');
}

test('a round logged with no signal reaches the department, which reports in and resolves it', async ({ browser }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const [wc, worker] = await phone(browser, true);
  const [, officer] = await phone(browser);
  const [, staff] = await phone(browser);
  await join(worker, code('grid_worker', '--grid', 'g2'), `巡查员${stamp}`);
  await join(officer, code('officer', '--department', 'water'), `水务员${stamp}`);
  await join(staff, code('staff'), `驾驶舱${stamp}`);

  await openPatrol(worker, '网格巡查', '我的巡查');
  await expect(worker.getByText('网格：湖前第二网格')).toBeVisible();
  await worker.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await wc.setOffline(true);

  await worker.getByRole('button', { name: '开始巡查' }).click();
  await expect(worker.getByTestId('patrol-current')).toContainText('巡查中');
  await logFinding(worker, `楼道杂物 ${stamp}`);
  await logFinding(worker, `占道停车 ${stamp}`);
  const broken = `井盖破损 ${stamp}`;
  await logFinding(worker, broken, true);
  await expect(worker.getByTestId('my-cases')).toContainText(broken);
  await expect(worker.getByTestId('patrol-waiting')).not.toHaveText('已全部同步');

  // Half a sentence typed, then the page reloads with no signal: the text is still there.
  await worker.locator('#field-patrol-description').fill('半句话还没写完');
  await expect(worker.getByTestId('draft-saved-patrol.description')).toHaveClass(/shown/);
  await worker.reload();
  await expect(worker.getByRole('heading', { name: '我的巡查', exact: true })).toBeVisible();
  await expect(worker.locator('#field-patrol-description')).toHaveValue('半句话还没写完');

  worker.once('dialog', (d) => d.accept());
  await worker.getByRole('button', { name: '结束巡查' }).click();
  await expect(worker.getByRole('button', { name: '开始巡查' })).toBeVisible();
  await expect(worker.getByTestId('patrols-today')).toContainText('3 条发现');

  await wc.setOffline(false);
  await expect(worker.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
  const href = await worker.getByTestId('my-cases').getByRole('link', { name: broken }).getAttribute('href');
  expect(href).toMatch(/^\/patrol\/case\//);

  // The officer's queue lists it; they acknowledge and resolve it, each with a note.
  await openPatrol(officer, '交办事项', '本部门待办');
  await officer.getByTestId('queue').getByRole('link', { name: broken }).click({ timeout: 20_000 });
  await expect(officer.getByTestId('case-status')).toHaveText('已上报');
  await officer.getByRole('button', { name: '办结' }).click();
  await expect(officer.getByRole('alert')).toContainText('请填写“留言”');
  await officer.locator('textarea').fill('已签收，今天到场');
  await officer.getByRole('button', { name: '签收' }).click();
  await expect(officer.getByTestId('case-status')).toHaveText('已签收');
  await officer.locator('textarea').fill('井盖已更换');
  await officer.getByRole('button', { name: '办结' }).click();
  await expect(officer.getByTestId('case-status')).toHaveText('已办结，待确认');
  await expect(officer.getByTestId('sync-badge')).toHaveText('已同步');

  // Staff and the worker see both steps; the worker confirms the fix.
  await staff.goto(href!);
  await expect(staff.getByTestId('case-status')).toHaveText('已办结，待确认', { timeout: 20_000 });
  await expect(staff.getByTestId('case-steps').locator('li')).toHaveCount(2);
  await worker.goto(href!);
  await expect(worker.getByTestId('case-status')).toHaveText('已办结，待确认', { timeout: 20_000 });
  await expect(worker.getByTestId('case-steps')).toContainText('井盖已更换');
  await worker.getByRole('button', { name: '确认已解决' }).click();
  await expect(worker.getByTestId('case-status')).toHaveText('已解决');
  await expect(staff.getByTestId('case-status')).toHaveText('已解决', { timeout: 20_000 });

  // A resident who follows the case's link is refused it: nothing of it reaches them.
  const [, resident] = await phone(browser);
  await join(resident, code('resident'), `旁观居民${stamp}`);
  await resident.goto(href!);
  await expect(resident.getByRole('heading', { name: '上报事项' })).toBeVisible();
  await expect(resident.getByTestId('case')).toHaveCount(0);
  await expect(resident.locator('main')).not.toContainText(broken);
  // The case page opens the case's document once its code is in (the patrol chunk): the
  // device holds it from then on, which is what the sync page lists.
  await expect
    .poll(() =>
      resident.evaluate(
        () =>
          new Promise((ok) => {
            const req = indexedDB.open('linli');
            req.onsuccess = () => {
              const all = req.result.transaction('held').objectStore('held').getAll();
              all.onsuccess = () => {
                ok((all.result as string[]).includes('escalation'));
                req.result.close();
              };
            };
          }),
      ),
    )
    .toBe(true);
  await resident.goto('/sync');
  const row = resident.getByTestId('sync-docs').locator('li').filter({ hasText: '上报事项' });
  await expect(row).toContainText('服务器上还没有这份文档', { timeout: 20_000 });

  // Staff's dashboard counts the day's findings and offers the CSV.
  await openPatrol(staff, '网格巡查', '社区驾驶舱');
  await expect(staff.getByTestId('on-spot')).toContainText('本周当场解决率');
  await expect(staff.getByTestId('export-csv')).toHaveAttribute('href', new RegExp(encodeURIComponent(broken).replace(/%20/g, '%20')));
});

test('a resident\'s report reaches their grid\'s worker and the answer comes back', async ({ browser }) => {
  const stamp = Date.now();
  const [, resident] = await phone(browser);
  const [, worker] = await phone(browser, true);
  await join(resident, code('resident'), `反映人${stamp}`);
  await join(worker, code('grid_worker', '--grid', 'g3'), `三网格${stamp}`);
  const what = `路灯不亮 ${stamp}`;

  await openPatrol(resident, '反映问题', '反映问题');
  await resident.getByRole('button', { name: '提交' }).click();
  await expect(resident.getByRole('alert')).toContainText('请填写“问题描述”');
  await resident.locator('#field-patrol-report').fill(what);
  await resident.locator('#field-patrol-place').fill('小区东门');
  await resident.locator('#field-report-grid').selectOption('g3');
  await resident.getByRole('button', { name: '提交' }).click();
  await expect(resident.getByTestId('my-reports')).toContainText(what);
  await expect(resident.getByTestId('my-reports').getByTestId('report-status').first()).toHaveText('等待处理');
  await expect(resident.getByTestId('sync-badge')).toHaveText('已同步');

  await openPatrol(worker, '网格巡查', '我的巡查');
  const item = worker.getByTestId('grid-reports').locator('li').filter({ hasText: what });
  await expect(item).toBeVisible({ timeout: 20_000 });
  await item.locator('input[type=text]').fill('已报修，今晚亮灯');
  await item.getByRole('button', { name: '回复' }).click();
  await expect(item.locator('.report-status')).toHaveText('已处理');
  await expect(worker.getByTestId('sync-badge')).toHaveText('已同步');

  const mine = resident.getByTestId('my-reports').locator('li').filter({ hasText: what });
  await expect(mine.getByTestId('report-status')).toHaveText('已处理', { timeout: 20_000 });
  await expect(mine).toContainText('已报修，今晚亮灯');
});

test('a resident has no patrol tab and holds no patrol document', async ({ browser }) => {
  const [, resident] = await phone(browser);
  await join(resident, code('resident'), `无巡查${Date.now()}`);
  await expect(resident.getByRole('navigation').getByText('网格巡查')).toHaveCount(0);
  await resident.goto('/patrol');
  await expect(resident.getByText('网格巡查只对网格员和社区工作者开放。')).toBeVisible();
  await resident.goto('/sync');
  await expect(resident.getByText('居民反映').first()).toBeVisible();
  await expect(resident.locator('main')).not.toContainText('巡查记录');
  await expect(resident.locator('main')).not.toContainText('上报事项');
});

test('a case given back is reassigned by staff and reaches the other department', async ({ browser }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  const [, worker] = await phone(browser, true);
  const [, water] = await phone(browser);
  const [, housing] = await phone(browser);
  const [, staff] = await phone(browser);
  await join(worker, code('grid_worker', '--grid', 'g2'), `巡查员乙${stamp}`);
  await join(water, code('officer', '--department', 'water'), `水务员乙${stamp}`);
  await join(housing, code('officer', '--department', 'housing'), `住建员${stamp}`);
  await join(staff, code('staff'), `社区员${stamp}`);

  await openPatrol(worker, '网格巡查', '我的巡查');
  await worker.getByRole('button', { name: '开始巡查' }).click();
  const crack = `外墙裂缝 ${stamp}`;
  await logFinding(worker, crack, true);
  await expect(worker.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
  const href = await worker.getByTestId('my-cases').getByRole('link', { name: crack }).getAttribute('href');

  // Water gives it back: the case leaves their hands, and their form with it.
  await water.goto(href!);
  await expect(water.getByTestId('case-status')).toHaveText('已上报', { timeout: 20_000 });
  await water.locator('textarea').fill('外墙属住建部门');
  await water.getByRole('button', { name: '退回：非本部门职责' }).click();
  await expect(water.getByTestId('case-status')).toHaveText('已退回，待改派');
  await expect(water.locator('.case-actions')).toHaveCount(0);
  await expect(water.getByTestId('sync-badge')).toHaveText('已同步');

  // Staff reassign it to another department (the one that gave it back is not offered).
  await staff.goto(href!);
  await expect(staff.getByTestId('case-status')).toHaveText('已退回，待改派', { timeout: 20_000 });
  await expect(staff.locator('#field-patrol-to option[value=housing]')).toHaveCount(1);
  await expect(staff.locator('#field-patrol-to option[value=water]')).toHaveCount(0);
  await staff.locator('#field-patrol-to').selectOption('housing');
  await staff.locator('textarea').fill('转住建处理');
  await staff.getByRole('button', { name: '改派' }).click();
  await expect(staff.getByTestId('case-status')).toHaveText('已改派');
  await expect(staff.locator('p.error')).toHaveCount(0);
  await expect(staff.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });

  // Housing's queue lists it as a new case, reported.
  await openPatrol(housing, '交办事项', '本部门待办');
  await housing.getByTestId('queue').getByRole('link', { name: crack }).click({ timeout: 20_000 });
  await expect(housing.getByTestId('case-status')).toHaveText('已上报');
});
