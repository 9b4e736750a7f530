import type { Page } from '@playwright/test';
import { expect, openApp, screenshot, setEditorText, test, waitForApp } from './fixtures.ts';

/**
 * Nothing a user typed is lost: every action that replaces the workspace keeps it first, and the Recent menu brings it
 * back, after a reload too. Each test: act, reload, restore.
 */
const mine = `apiVersion: v1
kind: Namespace
metadata:
  name: my-own-work
---
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: my-own-work
spec:
  ports:
  - name: http
    port: 8080
`;

async function typeMyWork(page: Page): Promise<void> {
  await openApp(page);
  await setEditorText(page, mine);
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem('meshpath.workspace.v1') ?? ''))
    .toContain('my-own-work');
}

async function reloadAndRestore(page: Page, summary: RegExp): Promise<void> {
  await page.reload();
  await waitForApp(page);
  expect(await page.evaluate(() => window.meshpath?.getText())).not.toBe(mine);
  await page.getByRole('button', { name: 'Recent ▾' }).click();
  await page.getByRole('menuitem', { name: summary }).first().click();
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText())).toBe(mine);
}

async function openExample(page: Page, title: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  await page.getByRole('menuitem', { name: title }).click();
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText())).not.toBe(mine);
}

test('1. opening an example: the previous text is in Recent after a reload', async ({ page }) => {
  await typeMyWork(page);
  await openExample(page, /Bookinfo/);
  await reloadAndRestore(page, /Before opening the example “Traffic management on Bookinfo” ·/);
});

test('1b. opening a share link over saved work: the saved text is in Recent', async ({ page }) => {
  await typeMyWork(page);
  await page.goto('/#example=mtls');
  await page.reload();
  await waitForApp(page);
  await page.getByRole('button', { name: 'Recent ▾' }).click();
  await page.getByRole('menuitem', { name: /Before opening the example “.*” from a link/ }).click();
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText())).toBe(mine);
});

test('2. a later notice replacing the Undo notice loses nothing', async ({ page }) => {
  await typeMyWork(page);
  await openExample(page, /Bookinfo/);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('status', { name: 'Notice' })).not.toContainText('Opened the example');
  await reloadAndRestore(page, /Before opening the example “Traffic management on Bookinfo” ·/);
});

test('3. dismissing the Undo notice loses nothing', async ({ page }) => {
  await typeMyWork(page);
  await openExample(page, /Bookinfo/);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await reloadAndRestore(page, /Before opening the example “Traffic management on Bookinfo” ·/);
});

test('4. uploading a file with the name of the open one says so, and keeps the old one', async ({ page }) => {
  await typeMyWork(page);
  const name = await page.getByRole('tab', { selected: true }).first().innerText();
  await page
    .getByTestId('upload-input')
    .setInputFiles([{ name: name.trim(), mimeType: 'application/x-yaml', buffer: Buffer.from('kind: Namespace\n') }]);
  await expect(page.getByRole('status', { name: 'Notice' })).toContainText(`It replaced the open ${name.trim()}`);
  await reloadAndRestore(page, /Before replacing/);
});

test('5. closing the file tab, then reloading: the file is in Recent', async ({ page }) => {
  await typeMyWork(page);
  await page.getByRole('tab', { selected: true }).first().focus();
  await page.keyboard.press('Delete');
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText())).toBe('');
  await reloadAndRestore(page, /Before closing/);
  await screenshot(page, 'history-restored');
});

test('6. with local storage disabled, a warning stays on screen', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  await page.goto('/');
  await waitForApp(page);
  const warning = page.getByRole('alert', { name: 'Storage warning' });
  await expect(warning).toContainText('will not survive closing or reloading the tab');
  await openExample(page, /Bookinfo/);
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(warning).toBeVisible();
});
