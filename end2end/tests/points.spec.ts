import { device, expect, invite, join, joinAt, openProposal, local, test } from './helpers';
import type { BrowserContext, Page } from '@playwright/test';
import { OwnServer } from './server';

// Points are derived from what people did: a confirmed help exchange pays its helper, a
// counted ballot its voter, once; staff's desk records redemptions even with no signal; and
// the leaderboard respects who opted out.

async function openPoints(page: Page) {
  await page.getByRole('navigation').getByText('邻里积分').click();
  await expect(page.getByRole('heading', { name: '邻里积分', exact: true })).toBeVisible();
  await expect(page.getByTestId('points-balance')).toBeVisible();
}

async function openBoard(page: Page) {
  await openPoints(page);
  await page.getByTestId('points-board-link').click();
  await expect(page.getByRole('heading', { name: /积分排行榜/ })).toBeVisible();
}

test('a help exchange confirmed by the requester raises the helper\'s balance by the rule\'s amount on both devices', async ({ browser }) => {
  const [[a, pa], [b, pb]] = await Promise.all([device(browser), device(browser)]);
  await join(pa, invite('resident'), '积分求助人');
  await join(pb, invite('resident'), '积分帮手');
  await openPoints(pb);
  await expect(pb.getByTestId('points-balance')).toHaveText('0');
  await expect(pb.getByTestId('history-empty')).toBeVisible();

  const title = `帮忙搬花盆 ${Date.now()}`;
  await pa.getByRole('navigation').getByText('邻里帮').click();
  await pa.getByTestId('help-new').click();
  await pa.locator('#field-help-title').fill(title);
  await pa.locator('#field-help-place').fill('4 幢');
  await pa.getByRole('button', { name: '发布' }).click();
  await expect(pa.getByTestId('help-detail-title')).toHaveText(title);
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

  await pb.getByRole('navigation').getByText('邻里帮').click();
  await pb.getByTestId('help-list').getByText(title).click();
  await pb.getByRole('button', { name: '我来帮忙' }).click();
  await expect(pb.getByTestId('sync-badge')).toHaveText('已同步');

  await pa.getByTestId('offer').filter({ hasText: '积分帮手' }).getByRole('button', { name: '选这位邻居' }).click();
  await pa.getByRole('button', { name: '确认已完成' }).click();
  await expect(pa.getByTestId('help-detail-status')).toHaveText('已完成');
  await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

  // The helper's phone: 10 points, the rule's amount, with an entry linking to the request.
  await openPoints(pb);
  await expect(pb.getByTestId('points-balance')).toHaveText('10', { timeout: 15_000 });
  const entry = pb.getByTestId('points-entry');
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('帮助了积分求助人');
  await expect(entry.getByTestId('entry-amount')).toHaveText('+10');
  await expect(pb.getByTestId('chart-bar').last()).toHaveAttribute('data-balance', '10');
  await entry.getByRole('link').click();
  await expect(pb.getByTestId('help-detail-title')).toHaveText(title);

  // The requester's phone derives the same: the month's leaderboard credits the helper 10.
  await openBoard(pa);
  const row = pa.getByTestId('board-row').filter({ hasText: '积分帮手' });
  await expect(row).toContainText('10 分');
  await Promise.all([a.close(), b.close()]);
});

test('staff record a redemption with no signal; it is flagged, and appears in the member\'s history after sync', async ({ browser }) => {
  const [[m, pm], [s, ps]] = await Promise.all([device(browser), device(browser)]);
  await join(pm, invite('resident'), '兑换的居民');
  await join(ps, invite('staff'), '积分台小何');
  await openPoints(ps);
  await ps.getByTestId('points-desk-link').click();
  await expect(ps.getByRole('heading', { name: '积分服务台' })).toBeVisible();
  await expect(ps.getByTestId('catalogue-item')).toHaveCount(5);
  // The member is in the desk's list once the directory has synced.
  await expect(ps.getByTestId('redeem-member').locator('option', { hasText: '兑换的居民' })).toHaveCount(1);

  await ps.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await s.setOffline(true);
  await expect(ps.getByTestId('sync-badge')).toHaveText('离线');
  await ps.getByTestId('redeem-member').selectOption({ label: '兑换的居民' });
  await expect(ps.getByTestId('redeem-balance')).toHaveText('当前余额 0 分');
  await ps.getByTestId('redeem-item').selectOption({ label: '社区电影票 · 10 分' });
  await expect(ps.getByText('余额不足：仍会记录，并标记为透支供工作人员跟进。')).toBeVisible();
  await ps.getByTestId('redeem-save').click();
  await expect(ps.getByTestId('redeem-form').getByText('已记录。')).toBeVisible();
  await expect(ps.getByTestId('redeem-balance')).toHaveText('当前余额 -10 分');
  await expect(ps.getByTestId('flagged-entry').filter({ hasText: '兑换的居民' })).toContainText('社区电影票');

  // Nothing reaches the member until the desk has signal again.
  await openPoints(pm);
  await expect(pm.getByTestId('points-balance')).toHaveText('0');
  await s.setOffline(false);
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
  await expect(pm.getByTestId('points-balance')).toHaveText('-10', { timeout: 15_000 });
  const entry = pm.getByTestId('points-entry');
  await expect(entry).toContainText('兑换：社区电影票');
  await expect(entry).toContainText('透支');
  await expect(entry.getByTestId('entry-amount')).toHaveText('-10');
  await Promise.all([m.close(), s.close()]);
});

test('the leaderboard leaves out a member who opted out in their profile', async ({ browser }) => {
  const [[x, px], [z, pz], [s, ps]] = await Promise.all([device(browser), device(browser), device(browser)]);
  await join(px, invite('resident'), '不上榜的老许');
  await join(pz, invite('resident'), '上榜的小郑');
  await join(ps, invite('staff'), '发积分的小冯');

  // Staff award both of them for an activity.
  await openPoints(ps);
  await ps.getByTestId('points-desk-link').click();
  const award = ps.getByTestId('award-form');
  await award.getByLabel('活动名称').fill('清理楼道');
  await award.getByLabel('分数（扣减填负数）').fill('7');
  await award.getByLabel('不上榜的老许').check();
  await award.getByLabel('上榜的小郑').check();
  await award.getByRole('button', { name: '发放活动积分' }).click();
  await expect(award.getByText('已记录。')).toBeVisible();
  await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');

  await openBoard(pz);
  const board = pz.getByTestId('points-board');
  await expect(board.getByTestId('board-row').filter({ hasText: '上榜的小郑' })).toContainText('7 分');
  await expect(board.getByTestId('board-row').filter({ hasText: '不上榜的老许' })).toContainText('7 分');

  // 老许 opts out on the Me page; 小郑's board drops him, and keeps 小郑.
  await px.getByRole('navigation').getByText('我的').click();
  await px.getByTestId('on-board').uncheck();
  await expect(px.getByTestId('on-board')).not.toBeChecked();
  await expect(px.getByTestId('sync-badge')).toHaveText('已同步');
  await expect(board.getByTestId('board-row').filter({ hasText: '不上榜的老许' })).toHaveCount(0, { timeout: 15_000 });
  await expect(board.getByTestId('board-row').filter({ hasText: '上榜的小郑' })).toContainText('7 分');
  // His own points are untouched: the opt-out hides him, it takes nothing.
  await openPoints(px);
  await expect(px.getByTestId('points-balance')).toHaveText('7');
  await Promise.all([x.close(), z.close(), s.close()]);
});

const MINUTE = 60_000;

test('a vote counted in a certified result pays its voter once', async ({ browser }) => {
  test.setTimeout(120_000);
  const server = new OwnServer();
  server.serve('../dist');
  server.setAhead(0);
  await server.start();
  const contexts: BrowserContext[] = [];
  try {
    const [[a, pa], [s, ps], [v, pv]] = await Promise.all([device(browser), device(browser), device(browser)]);
    contexts.push(a, s, v);
    await joinAt(pa, server, 'resident', '提议的老钟');
    await joinAt(ps, server, 'staff', '议事的小葛');
    await joinAt(pv, server, 'resident', '投票的小蒋');

    await ps.getByRole('navigation').getByText('社区议事').click();
    await ps.getByText('社区议事设置（工作人员）').click();
    await ps.locator('#field-grace').fill('1');
    await ps.getByTestId('settings-form').getByRole('button', { name: '保存设置' }).click();
    await expect(ps.getByTestId('delib-settings')).toContainText('1 小时');

    const title = `增设快递柜 ${Date.now()}`;
    await pa.getByRole('navigation').getByText('社区议事').click();
    await pa.getByTestId('proposal-new').click();
    await pa.locator('#field-delib-title').fill(title);
    await pa.getByTestId('proposal-publish').click();
    await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');
    await openProposal(ps, title);
    await ps.locator('#field-opens').fill(local(Date.now() - MINUTE));
    await ps.locator('#field-closes').fill(local(Date.now() + 5 * MINUTE));
    await ps.locator('#field-quorum').fill('10');
    await ps.getByTestId('window-save').click();
    await expect(ps.getByTestId('proposal-state')).toHaveText('投票中');
    await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');

    await openProposal(pv, title);
    await pv.getByTestId('ballot').getByLabel('赞成').check();
    await pv.getByTestId('ballot-cast').click();
    await expect(pv.getByTestId('ballot-status')).toHaveText('你的票已计入。');
    await expect(pv.getByTestId('sync-badge')).toHaveText('已同步');
    // Counted provisionally, not yet paid: only a certified result pays.
    await openPoints(pv);
    await expect(pv.getByTestId('points-balance')).toHaveText('0');

    // The close, then the grace period, on the server's clock: the certificate pays 2.
    server.setAhead(6 * MINUTE);
    await openProposal(pv, title);
    await expect(pv.getByTestId('proposal-state')).toHaveText('已截止（暂定结果）', { timeout: 15_000 });
    server.setAhead(6 * MINUTE + 61 * MINUTE);
    await expect(pv.getByTestId('results-kind')).toContainText('已认证的结果', { timeout: 15_000 });
    await openPoints(pv);
    await expect(pv.getByTestId('points-balance')).toHaveText('2', { timeout: 15_000 });
    const votes = pv.locator('[data-testid="points-entry"][data-entry^="vote/"]');
    await expect(votes).toHaveCount(1);
    await expect(votes).toContainText('参与投票');
    await votes.getByRole('link').click();
    await expect(pv.getByTestId('proposal-title')).toHaveText(title);

    // Once: after staff write the outcome and the app starts again, still one payment.
    await ps.getByLabel('决定了什么、做了什么').fill('物业下月安装。');
    await ps.getByTestId('outcome-save').click();
    await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
    await pv.reload();
    await expect(pv.getByTestId('sync-badge')).toHaveText('已同步');
    await openPoints(pv);
    await expect(pv.getByTestId('points-balance')).toHaveText('2');
    await expect(votes).toHaveCount(1);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await server.dispose();
  }
});

test('staff edit the catalogue and the rules; a bad price is refused in words and changes nothing', async ({ browser }) => {
  // A server of its own: new rules here would change what the other tests' help pays.
  const server = new OwnServer();
  server.serve('../dist');
  await server.start();
  const [s, ps] = await device(browser);
  try {
    await joinAt(ps, server, 'staff', '管目录的小严');
    await openPoints(ps);
    await ps.getByTestId('points-desk-link').click();
    await expect(ps.getByTestId('catalogue-item')).toHaveCount(5);

    await ps.getByTestId('item-new').click();
    await ps.locator('#item-name').fill('社区洗车');
    await ps.locator('#item-price').fill('0');
    await ps.getByTestId('item-save').click();
    await expect(ps.getByRole('alert')).toHaveText('“积分数（1 到 10000）”的值不在允许的范围内。');
    await expect(ps.locator('#item-name')).toHaveValue('社区洗车');
    await expect(ps.getByTestId('catalogue-item')).toHaveCount(5);
    await ps.locator('#item-price').fill('25');
    await ps.getByTestId('item-save').click();
    await expect(ps.getByTestId('catalogue-item')).toHaveCount(6);
    await expect(ps.getByTestId('catalogue-item').filter({ hasText: '社区洗车' })).toContainText('25 分');

    await ps.getByTestId('catalogue-item').filter({ hasText: '社区电影票' }).getByRole('button', { name: '修改' }).click();
    await ps.locator('#item-price').fill('12');
    await ps.getByTestId('item-save').click();
    await expect(ps.getByTestId('catalogue-item').filter({ hasText: '社区电影票' })).toContainText('12 分');

    await expect(ps.locator('#rate-help')).toHaveValue('10');
    await ps.locator('#rate-help').fill('15');
    await ps.getByTestId('rates-save').click();
    await expect(ps.getByTestId('rates-form').getByText('已记录。')).toBeVisible();
    await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
    // The desk opens again on the rules in force and the catalogue as edited.
    await ps.reload();
    await expect(ps.locator('#rate-help')).toHaveValue('15');
    await expect(ps.getByTestId('catalogue-item')).toHaveCount(6);
  } finally {
    await s.close();
    await server.dispose();
  }
});
