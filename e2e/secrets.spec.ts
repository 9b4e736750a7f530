import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, openApp, screenshot, seriousViolations, setEditorText, test, waitForApp } from './fixtures.ts';

/** Secrets in a Secret, a List, block scalars, a flow map and a broken document (the same file the unit tests use). */
const secrets = readFileSync(new URL('../fixtures/secrets/secrets.yaml', import.meta.url), 'utf8');
const VALUES = [
  'aHVudGVyMg==',
  'admin-user',
  's3cr3t-token',
  'BQUklWQVRFIEtFWS0tLS0t',
  'broken-applied',
  'YnJva2VuLXB3',
];

async function openedText(context: BrowserContext, link: string): Promise<string> {
  const other = await context.newPage();
  await other.goto(link);
  await waitForApp(other);
  const text = (await other.evaluate(() => window.meshpath?.getText())) ?? '';
  await other.close();
  return text;
}

async function shareLink(page: Page): Promise<string> {
  const field = page.getByRole('textbox', { name: 'Share link' });
  await expect(field).toBeVisible();
  return field.inputValue();
}

test('Share lists the secrets found and strips them by default; unticking keeps them', async ({ page, context }) => {
  await openApp(page);
  await setEditorText(page, secrets);
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: /10 secret values in these manifests/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('listitem')).toHaveCount(10);
  await expect(dialog.getByRole('listitem').first()).toHaveText(/\.yaml:9 Secret shop\/db last-applied annotation/);
  await expect(dialog.getByRole('checkbox')).toBeChecked();
  await screenshot(page, 'secrets-dialog');
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect(dialog.getByRole('button', { name: 'Share link without secrets' })).toBeInViewport();
  await screenshot(page, 'secrets-dialog-1280');
  // The confirm button has the focus: Enter shares without the secrets.
  await expect(dialog.getByRole('button', { name: 'Share link without secrets' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  const stripped = await openedText(context, await shareLink(page));
  for (const value of VALUES) expect(stripped).not.toContain(value);
  expect(stripped.split('\n').length).toBe(secrets.split('\n').length);
  expect(stripped).toContain('  password: REDACTED  # base64 of the password');
  // The editor keeps the user's text as it was.
  expect(await page.evaluate(() => window.meshpath?.getText())).toBe(secrets);

  await page.getByRole('button', { name: 'Share' }).click();
  await dialog.getByRole('checkbox').uncheck();
  await dialog.getByRole('button', { name: 'Share link with secrets' }).click();
  await expect(dialog).toBeHidden();
  expect(await openedText(context, await shareLink(page))).toBe(secrets);
});

test('the secrets dialog keeps the focus inside, Escape cancels and Enter on the checkbox confirms', async ({
  page,
}) => {
  await openApp(page);
  await setEditorText(page, secrets);
  const share = page.getByRole('button', { name: 'Share' });
  await share.click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: /without secrets/ });
  await expect(confirm).toBeFocused();
  expect(await seriousViolations(page, '[role="dialog"]')).toEqual([]);
  // Tab from the last control comes back to the first, Shift+Tab from the first goes to the last.
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('list')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(confirm).toBeFocused();
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveCount(0);
  await expect(share).toBeFocused();
  // Enter on the checkbox confirms with what it says (here: unticked with Space first).
  await share.click();
  await dialog.getByRole('checkbox').focus();
  await page.keyboard.press('Space');
  await expect(dialog.getByRole('checkbox')).not.toBeChecked();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  expect(await shareLink(page)).toMatch(/#v2=/);
});

test('Download asks too, and the downloaded scenario has no secret value', async ({ page }) => {
  await openApp(page);
  await setEditorText(page, secrets);
  await page.getByRole('button', { name: 'Download scenario' }).click();
  const dialog = page.getByRole('dialog', { name: /secret values/ });
  await expect(dialog.getByRole('button', { name: 'Download without secrets' })).toBeFocused();
  const downloading = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const file = await (await downloading).path();
  const scenario = JSON.parse(readFileSync(file, 'utf8')) as { files: Array<{ text: string }> };
  const text = scenario.files[0]?.text ?? '';
  expect(text).toContain('REDACTED');
  for (const value of VALUES) expect(text).not.toContain(value);
});

test('without secrets, Share and Download ask nothing', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('textbox', { name: 'Share link' })).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('an uploaded file with bytes that are not UTF-8 loads, and says where they are', async ({ page }) => {
  await openApp(page);
  const bytes = Buffer.concat([
    Buffer.from('apiVersion: v1\nkind: Service\nmetadata:\n  name: caf'),
    Buffer.from([0xe9]),
    Buffer.from('\n  namespace: shop\n'),
  ]);
  await page
    .getByTestId('upload-input')
    .setInputFiles([{ name: 'latin1.yaml', mimeType: 'application/x-yaml', buffer: bytes }]);
  await expect(page.getByRole('alert', { name: 'Notice' })).toContainText(
    'latin1.yaml has bytes that are not UTF-8 at line 4, column 12: they show as \uFFFD.',
  );
  await expect(page.getByRole('tab', { name: 'latin1.yaml' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText(1))).toContain('name: caf\uFFFD\n');
  // The Problems list has it too, at its place, until the file is edited.
  const problems = page.getByRole('list', { name: 'Problem list' });
  await expect(problems.getByRole('listitem').filter({ hasText: 'latin1.yaml:4:12' })).toHaveCount(1);
  await page.evaluate(() => window.meshpath?.setText('apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n', 1));
  await expect(problems.getByRole('listitem').filter({ hasText: 'latin1.yaml:4:12' })).toHaveCount(0);
});
