import type { Page } from '@playwright/test';
import { expect, openApp, setEditorText, test, waitForApp } from './fixtures.ts';

/**
 * The first screen analyses one scenario: a shared link or an example link opened over saved work is analysed once,
 * and nothing else is (the page used to analyse the demo on the main thread, then the saved work, then the link,
 * sometimes twice). Every analysis happens in the worker, so the jobs posted to it that carry files are counted.
 */
async function countAnalyses(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[][] = [];
    (window as unknown as { __analysed: string[][] }).__analysed = seen;
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const files = (message as { input?: { files?: Array<{ name: string }> } } | null)?.input?.files;
      if (files) seen.push(files.map((f) => f.name));
      return (post as (this: Worker, ...args: unknown[]) => void).call(this, message, ...rest);
    };
  });
}

const analysed = (page: Page) => page.evaluate(() => (window as unknown as { __analysed: string[][] }).__analysed);

const mine = `apiVersion: v1
kind: Namespace
metadata:
  name: my-own-work
`;

/** Waits long enough for any further job to be posted (each job follows the previous one's answer). */
async function settled(page: Page): Promise<void> {
  await expect(page.getByRole('status', { name: 'Outcome' })).not.toHaveClass(/stale/);
  await page.waitForTimeout(800);
}

test('a shared link over saved work is analysed once, and the saved work is one click away', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  await page.getByRole('menuitem', { name: /Bookinfo/ }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  await page.keyboard.press('Escape');
  await setEditorText(page, mine);
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem('meshpath.workspace.v1') ?? ''))
    .toContain('my-own-work');

  await countAnalyses(page);
  await page.goto(link);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('routed');
  await settled(page);
  expect(await analysed(page)).toEqual([['bookinfo.yaml']]);
  await expect(page.getByText('Opened the shared scenario. Your previous files are one click away.')).toBeVisible();
});

test('an example link, its reload, the saved work and a first visit are each analysed once', async ({ page }) => {
  await countAnalyses(page);
  await openApp(page);
  await settled(page);
  expect(await analysed(page), 'first visit').toEqual([['demo.yaml']]);

  await page.goto('/#example=mtls');
  await page.reload();
  await waitForApp(page);
  await settled(page);
  expect(await analysed(page), 'example link over the saved demo').toEqual([['mtls.yaml']]);

  await page.reload();
  await waitForApp(page);
  await settled(page);
  expect(await analysed(page), 'the same example link again').toEqual([['mtls.yaml']]);

  await setEditorText(page, mine);
  await expect.poll(() => page.evaluate(() => window.location.hash)).toBe('');
  await page.reload();
  await waitForApp(page);
  await settled(page);
  expect(await analysed(page), 'the saved work').toEqual([['mtls.yaml']]);
  expect(await page.evaluate(() => window.meshpath?.getText())).toBe(mine);
});
