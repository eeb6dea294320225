import { device, expect, invite, join, joinAt, test } from './helpers';
import type { Page } from '@playwright/test';
import { OwnServer } from './server';

/** "YYYY-MM-DDTHH:MM" in the browser's (and this process's) time zone, as datetime-local takes it. */
function local(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

async function openDeliberation(page: Page) {
  await page.getByRole('navigation').getByText('社区议事').click();
  await expect(page.getByRole('heading', { name: '社区议事' })).toBeVisible();
}

/** Publishes a proposal from the new-proposal page of `server`'s app. */
async function propose(page: Page, server: OwnServer, title: string, body: string) {
  await page.goto(`${server.url}/deliberation/new`);
  await page.locator('#field-delib-title').fill(title);
  await page.locator('#field-delib-body').fill(body);
  await page.getByTestId('proposal-publish').click();
  await expect(page.getByTestId('proposal-title')).toHaveText(title);
}

async function openProposal(page: Page, title: string) {
  await openDeliberation(page);
  await page.getByTestId('proposal-item').filter({ hasText: title }).click();
  await expect(page.getByTestId('proposal-title')).toHaveText(title);
}

test('a proposal goes to a vote: staff open it, ballots count once, results stay hidden from a non-voter', async ({ browser }) => {
  const [a, s, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
  const [pa, ps, pc] = await Promise.all([a.newPage(), s.newPage(), c.newPage()]);
  await join(pa, invite('resident'), '提案人老李');
  await join(ps, invite('staff'), '社区小周');
  await join(pc, invite('resident'), '邻居小陈');
  const title = `在 3 栋旁建自行车棚 ${Date.now()}`;

  // A resident proposes; an empty title is refused in words and nothing is listed.
  await openDeliberation(pa);
  await pa.getByTestId('proposal-new').click();
  await pa.locator('#field-delib-body').fill('占用两个车位，费用由公共收益支出。');
  await pa.getByTestId('proposal-publish').click();
  await expect(pa.getByRole('alert')).toContainText('标题');
  await expect(pa.locator('#field-delib-body')).toHaveValue('占用两个车位，费用由公共收益支出。');
  await pa.locator('#field-delib-title').fill(title);
  await pa.getByTestId('proposal-publish').click();
  await expect(pa.getByTestId('proposal-title')).toHaveText(title);
  await expect(pa.getByTestId('proposal-state')).toHaveText('讨论中');
  await pa.locator('[id^="field-delib-comment-top"]').fill('欢迎大家提意见');
  await pa.getByTestId('comment-post').click();
  await expect(pa.getByTestId('comment-text')).toHaveText('欢迎大家提意见');
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

  // Staff see it arrive and open the vote; the window is staff's alone.
  await openProposal(ps, title);
  await expect(ps.getByTestId('comment-text')).toHaveText('欢迎大家提意见');
  await expect(pa.getByTestId('window-form')).toHaveCount(0);
  const now = Date.now();
  await ps.locator('#field-opens').fill(local(now - 60_000));
  await ps.locator('#field-closes').fill(local(now + 86_400_000));
  await ps.getByTestId('window-save').click();
  await expect(ps.getByTestId('proposal-state')).toHaveText('投票中');
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');

  // A resident who has not voted sees that results wait, and why that is only a courtesy.
  await openProposal(pc, title);
  await expect(pc.getByTestId('proposal-state')).toHaveText('投票中');
  await expect(pc.getByTestId('results-hidden')).toContainText('不是保密');
  await expect(pc.getByText('投票对本社区成员公开')).toBeVisible();
  await expect(pc.getByTestId('results')).toHaveCount(0);
  // A ballot with nothing picked is refused in words.
  await pc.getByTestId('ballot-cast').click();
  await expect(pc.getByRole('alert')).toBeVisible();
  await expect(pc.getByTestId('my-ballot')).toHaveCount(0);

  // The author votes online: counted, and the results show.
  await openProposal(pa, title);
  await pa.getByTestId('ballot').getByLabel('赞成').check();
  await pa.getByTestId('ballot-cast').click();
  await expect(pa.getByTestId('my-ballot')).toHaveText('你投了：赞成');
  await expect(pa.getByTestId('ballot-status')).toHaveText('你的票已计入。');
  await expect(pa.getByTestId('results')).toContainText('赞成: 1');
  await expect(pa.getByTestId('results-kind')).toContainText('暂定结果');
  await expect(pa.getByTestId('results-chart')).toBeVisible();

  // The neighbour votes with no signal; it waits, then counts once they are back.
  await pc.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await c.setOffline(true);
  await expect(pc.getByTestId('sync-badge')).toHaveText('离线');
  await pc.getByTestId('ballot').getByLabel('反对').check();
  await pc.getByTestId('ballot-cast').click();
  await expect(pc.getByTestId('my-ballot')).toHaveText('你投了：反对');
  await expect(pc.getByTestId('proposal-waiting')).toBeVisible();
  await c.setOffline(false);
  await expect(pc.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
  await expect(pa.getByTestId('results')).toContainText('反对: 1');

  // Staff record a ballot for the neighbour, who has their own: it counts once, as theirs.
  await ps.getByTestId('assist-form').locator('select').first().selectOption({ label: '邻居小陈' });
  await ps.getByTestId('assist-form').locator('select').nth(1).selectOption({ label: '赞成' });
  await ps.getByRole('button', { name: '登记这张票' }).click();
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
  await expect(pa.getByTestId('results')).toContainText('赞成: 1');
  await expect(pa.getByTestId('results')).toContainText('反对: 1');
  await expect(pa.getByTestId('turnout')).toHaveText('已有 2 人参与');

  // The list shows the vote first, with its count.
  await openDeliberation(pc);
  const item = pc.getByTestId('proposal-item').filter({ hasText: title });
  await expect(item.getByTestId('proposal-state')).toHaveText('投票中');
  await expect(item).toContainText('2 人已投票');
  await Promise.all([a.close(), s.close(), c.close()]);
});

test('staff set the community support share and grace period; bad numbers are refused in words and every member reads the new ones', async ({ browser }) => {
  const [s, r] = await Promise.all([browser.newContext(), browser.newContext()]);
  const [ps, pr] = await Promise.all([s.newPage(), r.newPage()]);
  await join(ps, invite('staff'), '社区小冯');
  await join(pr, invite('resident'), '邻居小何');
  await openDeliberation(pr);
  await expect(pr.getByTestId('settings-form')).toHaveCount(0);
  const shown = pr.getByTestId('delib-settings');

  await openDeliberation(ps);
  await ps.getByText('社区议事设置（工作人员）').click();
  const form = ps.getByTestId('settings-form');
  try {
  // Out of range: refused in words, nothing changes, the typed number stays.
  await form.locator('#field-grace').fill('0');
  await form.getByRole('button', { name: '保存设置' }).click();
  await expect(form.getByRole('alert')).toContainText('宽限期');
  await expect(form.locator('#field-grace')).toHaveValue('0');
  await expect(ps.getByTestId('delib-settings')).toContainText('5% 的成员联署');

  await form.locator('#field-support-pct').fill('10');
  await form.locator('#field-grace').fill('24');
  await form.getByRole('button', { name: '保存设置' }).click();
  await expect(form.getByRole('alert')).toHaveCount(0);
  await expect(ps.getByTestId('delib-settings')).toContainText('10% 的成员联署');
  await expect(ps.getByTestId('delib-settings')).toContainText('24 小时');
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
  await expect(shown).toContainText('10% 的成员联署', { timeout: 15_000 });
  await expect(shown).toContainText('24 小时');
  } finally {
    // Back to the defaults, for the tests that share this community.
    await form.locator('#field-support-pct').fill('5');
    await form.locator('#field-grace').fill('48');
    await form.getByRole('button', { name: '保存设置' }).click();
    await expect(shown).toContainText('5% 的成员联署', { timeout: 15_000 });
    await Promise.all([s.close(), r.close()]);
  }
});

// On a server of its own, as help's long list: these proposals would push the shared
// community's off the first page other tests read.
test('the list reads ten proposals at a time; "earlier" reads the next', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = await OwnServer.started();
  const [ctx, page] = await device(browser);
  try {
    await joinAt(page, server, 'resident', '提案的老周');
    await openDeliberation(page);
    const items = page.getByTestId('proposal-item');
    // The server's seven demo proposals, read before counting on them.
    await expect(items).toHaveCount(7);
    const posts = 11 - 7;
    for (let i = 1; i <= posts; i++) await propose(page, server, `楼道装灯 ${i}`, '晚上太暗。');
    await openDeliberation(page);
    await expect(items).toHaveCount(10);
    // Newest first: the last one posted is on the first page.
    await expect(items.filter({ hasText: `楼道装灯 ${posts}` })).toHaveCount(1);
    await page.getByTestId('proposals-earlier').click();
    await expect(items).toHaveCount(11);
    await expect(page.getByTestId('proposals-earlier')).toHaveCount(0);
  } finally {
    await ctx.close();
    await server.dispose();
  }
});

// Staff's queue is not the page: the demo vote rejected without an outcome stays in it once
// ten newer proposals push it off the first page, and a long queue shows ten at a time.
test('staff still see a proposal waiting for its outcome after ten newer ones; the queue pages', async ({ browser }) => {
  test.setTimeout(240_000);
  const server = await OwnServer.started();
  const [rc, resident] = await device(browser);
  const [sc, staff] = await device(browser);
  try {
    await joinAt(resident, server, 'resident', '提案的老吴');
    const urls: string[] = [];
    for (let i = 1; i <= 10; i++) {
      await propose(resident, server, `加装扶手 ${i}`, '老人上楼不便。');
      urls.push(resident.url());
    }
    await joinAt(staff, server, 'staff', '社区小何');
    await openDeliberation(staff);
    const page = staff.getByTestId('proposal-list').getByTestId('proposal-item');
    const queue = staff.getByTestId('staff-queue').getByTestId('proposal-item');
    await expect(page).toHaveCount(10);
    await expect(page.filter({ hasText: '取消地面停车位改建绿地' })).toHaveCount(0);
    await expect(queue.filter({ hasText: '取消地面停车位改建绿地' })).toHaveCount(1);

    // One supporter readies each of the ten: the queue grows past a page.
    await staff.getByText('社区议事设置（工作人员）').click();
    await staff.locator('#field-support-pct').fill('1');
    await staff.getByRole('button', { name: '保存设置' }).click();
    await expect(staff.getByTestId('delib-settings')).toContainText('1% 的成员联署');
    for (const url of urls) {
      await staff.goto(url);
      await staff.getByTestId('proposal-support').click();
      await expect(staff.getByText('你已联署')).toBeVisible();
    }
    await openDeliberation(staff);
    await expect(queue).toHaveCount(10);
    const more = staff.getByTestId('queue-more');
    await expect(more).toContainText('项待办');
    const left = Number((await more.textContent())!.match(/还有 (\d+) 项/)![1]);
    await more.click();
    await expect(queue).toHaveCount(10 + left);
    await expect(more).toHaveCount(0);
    await expect(queue.filter({ hasText: '加装扶手' })).toHaveCount(10);
    await expect(queue.filter({ hasText: '取消地面停车位改建绿地' })).toHaveCount(1);
  } finally {
    await rc.close();
    await sc.close();
    await server.dispose();
  }
});
