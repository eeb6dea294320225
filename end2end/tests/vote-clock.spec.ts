import { device, expect, joinAt, local, openProposal, test } from './helpers';
import type { BrowserContext, Page } from '@playwright/test';
import { OwnServer } from './server';

// A vote judged on the server's clock, which this test moves: the close marker at the close,
// offline ballots inside the grace period, a phone clock set back, the certificate, a ballot
// arriving after it, and the outcome.

const MINUTE = 60_000;

async function voteOffline(context: BrowserContext, page: Page, label: string) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await context.setOffline(true);
  await expect(page.getByTestId('sync-badge')).toHaveText('离线');
  await page.getByTestId('ballot').getByLabel(label).check();
  await page.getByTestId('ballot-cast').click();
  await expect(page.getByTestId('my-ballot')).toHaveText(`你投了：${label}`);
  await expect(page.getByTestId('proposal-waiting')).toBeVisible();
}

test('a vote closes on the server clock: offline ballots count in the grace period, a clock set back does not, a late one shows as too late', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = new OwnServer();
  server.serve('../dist');
  server.setAhead(0);
  await server.start();
  const contexts: BrowserContext[] = [];
  const open = async () => {
    const [c, p] = await device(browser);
    contexts.push(c);
    return [c, p] as const;
  };
  try {
    const [, pa] = await open();
    const [, ps] = await open();
    const [b, pb] = await open();
    const [, pc] = await open();
    const [e, pe] = await open();
    await joinAt(pa, server, 'resident', '提案人老李');
    await joinAt(ps, server, 'staff', '社区小周');
    await joinAt(pb, server, 'resident', '加班的小白');
    await joinAt(pc, server, 'resident', '邻居小陈');
    await joinAt(pe, server, 'resident', '出差的老易');

    // Staff shorten the community's grace period to one hour; the window takes it.
    await ps.getByRole('navigation').getByText('社区议事').click();
    await ps.getByText('社区议事设置（工作人员）').click();
    await ps.locator('#field-grace').fill('1');
    await ps.getByTestId('settings-form').getByRole('button', { name: '保存设置' }).click();
    await expect(ps.getByTestId('delib-settings')).toContainText('1 小时');

    const title = `楼道灯改为声控 ${Date.now()}`;
    await pa.getByRole('navigation').getByText('社区议事').click();
    await pa.getByTestId('proposal-new').click();
    await pa.locator('#field-delib-title').fill(title);
    await pa.getByTestId('proposal-publish').click();
    await expect(pa.getByTestId('proposal-state')).toHaveText('讨论中');
    await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');

    const closes = Date.now() + 5 * MINUTE;
    await openProposal(ps, title);
    await ps.locator('#field-opens').fill(local(Date.now() - MINUTE));
    await ps.locator('#field-closes').fill(local(closes));
    await ps.locator('#field-quorum').fill('10');
    await ps.getByTestId('window-save').click();
    await expect(ps.getByTestId('proposal-state')).toHaveText('投票中');
    await expect(ps.getByTestId('sync-badge')).toHaveText('已同步');
    await expect(ps.locator('details.rule')).toContainText('截止 1 小时后');

    // A votes online. C has not voted: results wait for C.
    await openProposal(pa, title);
    await pa.getByTestId('ballot').getByLabel('赞成').check();
    await pa.getByTestId('ballot-cast').click();
    await expect(pa.getByTestId('ballot-status')).toHaveText('你的票已计入。');
    await expect(pa.getByTestId('sync-badge')).toHaveText('已同步');
    await openProposal(pc, title);
    await expect(pc.getByTestId('results-hidden')).toBeVisible();
    await expect(pc.getByTestId('results')).toHaveCount(0);

    // C's tablet: a second device of C's, signed in with its own token, holding the vote.
    const member = await pc.evaluate(() => JSON.parse(localStorage.getItem('linli.member')!).id as string);
    const added = server.cli('member', 'add-device', member!);
    const peer = /peer (\S+)/.exec(added)![1];
    const token = /token (\S+)/.exec(added)![1];
    const [t, pt] = await open();
    await t.addInitScript(
      ([id, peer, token]) => {
        // The settings as the app keeps them (src/settings.rs): one serde value.
        const server = { token, peer_id: peer, community_name: '湖前第二社区' };
        const m = { id, name: '邻居小陈', role: 'resident', community: 'huqian-2', sandbox: false, server };
        localStorage.setItem('linli.member', JSON.stringify(m));
      },
      [member!, peer, token],
    );
    await pt.goto(`${server.url}/`);
    await expect(pt.getByTestId('sync-badge')).toHaveText('已同步');
    await openProposal(pt, title);
    await expect(pt.getByTestId('proposal-state')).toHaveText('投票中');

    // B and E vote with no signal before the close; the tablet goes without signal too.
    await openProposal(pb, title);
    await voteOffline(b, pb, '反对');
    await openProposal(pe, title);
    await voteOffline(e, pe, '赞成');
    await pt.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await t.setOffline(true);
    await expect(pt.getByTestId('sync-badge')).toHaveText('离线');

    // The server's clock passes the close: its marker reaches every device online. C's phone
    // now sees the results it was waiting for, and can no longer vote.
    server.setAhead(6 * MINUTE);
    await expect(pa.getByTestId('proposal-state')).toHaveText('已截止（暂定结果）', { timeout: 15_000 });
    await expect(pc.getByTestId('proposal-state')).toHaveText('已截止（暂定结果）', { timeout: 15_000 });
    await expect(pc.getByTestId('results')).toContainText('赞成: 1');
    await expect(pc.getByTestId('ballot-cast')).toHaveCount(0);

    // The tablet, its clock set back before the close and still offline, votes.
    await t.clock.setFixedTime(new Date(closes - MINUTE));
    await pt.getByTestId('ballot').getByLabel('反对').check();
    await pt.getByTestId('ballot-cast').click();
    await expect(pt.getByTestId('my-ballot')).toHaveText('你投了：反对');

    // B comes back inside the grace period: B's ballot counts, provisionally.
    await b.setOffline(false);
    await expect(pb.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
    await expect(pb.getByTestId('ballot-status')).toHaveText('你的票已计入。');
    await expect(pa.getByTestId('results')).toContainText('反对: 1', { timeout: 15_000 });
    await expect(pa.getByTestId('results-kind')).toContainText('暂定结果');
    await t.setOffline(false);
    await expect(pt.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });

    // The grace period passes: the certificate fixes the result, without the tablet's ballot.
    server.setAhead(6 * MINUTE + 61 * MINUTE);
    await expect(pa.getByTestId('results-kind')).toContainText('已认证的结果', { timeout: 15_000 });
    await expect(pa.getByTestId('results')).toContainText('赞成: 1');
    await expect(pa.getByTestId('results')).toContainText('反对: 1');
    await expect(pa.getByTestId('turnout')).toContainText('参与 2 人');
    await expect(pt.getByTestId('ballot-status')).toHaveText('你的手机已经收到过截止的投票，之后投的这张票不计入。', { timeout: 15_000 });

    // E's ballot arrives after the certificate: shown as too late, not counted.
    await e.setOffline(false);
    await expect(pe.getByTestId('sync-badge')).toHaveText('已同步', { timeout: 20_000 });
    await expect(pe.getByTestId('ballot-status')).toHaveText('这张票在结果认证之后才到达服务器，没有计入。', { timeout: 15_000 });
    await expect(pa.getByTestId('turnout')).toContainText('参与 2 人');

    // Staff, still on the proposal's page, write what was decided; everyone sees it. The
    // staff's list puts it in the queue waiting for an outcome.
    // 1 for and 1 against: half in favour clears the 50% mark, and 2 of the members clear 10%.
    await expect(ps.getByTestId('proposal-state')).toHaveText('已通过');
    await ps.getByLabel('决定了什么、做了什么').fill('下月起楼道灯改为声控，物业负责施工。');
    await ps.getByTestId('outcome-save').click();
    await expect(pa.getByTestId('outcome')).toContainText('物业负责施工', { timeout: 15_000 });
    await expect(pe.getByTestId('outcome')).toContainText('物业负责施工', { timeout: 15_000 });
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await server.dispose();
  }
});
