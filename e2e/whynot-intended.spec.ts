import type { Page } from '@playwright/test';
import { expect, screenshot, test, waitForApp } from './fixtures.ts';

/** Why not the cluster I intended: under a routed request, the user names a cluster and gets the verified changes. */

const outcome = (page: Page) => page.getByRole('status', { name: 'Outcome' });

test('an intended cluster under a routed request: the deciding rule, the header it needs, and the edit', async ({
  page,
}) => {
  await page.goto('/#example=bookinfo');
  await waitForApp(page);
  await expect(outcome(page)).toContainText('outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
  const v3 = 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local';
  // The field is out of the way until asked for, beside the outcome.
  await expect(page.getByRole('textbox', { name: 'Intended cluster' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Not this cluster?' }).click();
  await expect(page.getByRole('textbox', { name: 'Intended cluster' })).toBeFocused();
  await page.keyboard.type(v3);
  await page.keyboard.press('Enter');
  const panel = page.getByRole('region', { name: 'Why not, and fixes' });
  await expect(panel).toContainText(`Why not ${v3}: 1 verified change`);
  await expect(panel).toContainText('VirtualService bookinfo/reviews rule http[0] (jason) matched');
  await expect(panel).toContainText(`verified: then routed 200 via ${v3}`);
  await expect(panel.getByRole('list', { name: 'Close alternatives' })).toContainText(
    `Rule http[1] (shift) of VirtualService bookinfo/reviews goes to ${v3} (it comes after the rule that matched).`,
  );
  for (const [width, height] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width, height });
    await screenshot(page, `whynot-intended-${width}x${height}`);
  }
  await panel.getByRole('button', { name: 'Apply in a copy' }).click();
  await expect(outcome(page)).toContainText(v3);
});
