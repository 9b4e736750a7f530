// A cluster export too large to put into the editor in one go goes in piece by piece, the editor read-only with a
// progress bar meanwhile. The sizes are lowered here so that a 2 MB export takes the path a 31 MB one takes
// (npm run bench:browser measures the 31 MB one).
import { generateClusterExport } from '../src/cli/realisticExport.ts';
import { expect, openApp, screenshot, setEditorText, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

const SMALL_PIECES = { piecesFrom: 200_000, firstPiece: 20_000, piece: 10_000 };

/** Whether the editor holds exactly `text` (compared in the page), or where it first differs. */
async function editorHolds(page: Page, text: string): Promise<string> {
  return page.evaluate((expected) => {
    const actual = window.meshpath?.editorText() ?? '';
    if (actual === expected) return 'same';
    let at = 0;
    while (at < actual.length && actual[at] === expected[at]) at++;
    const there = JSON.stringify(actual.slice(at, at + 40));
    return `differs at ${at} of ${expected.length} (editor has ${actual.length}): ${there}`;
  }, text);
}

const bracketColours = (page: Page) =>
  page.locator('.monaco-editor .view-lines [class*="bracket-highlighting"]').count();

test('a large export goes in piece by piece: read-only with progress, then unchanged, editable, undo-safe', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const cluster = generateClusterExport(1300);
  expect(cluster.text.length).toBeGreaterThan(1_500_000);
  await openApp(page);
  await page.getByRole('combobox', { name: 'Source pod' }).fill(cluster.sourcePod);
  await page.getByRole('combobox', { name: 'Destination' }).fill(`http://${cluster.serviceHost('team-0', 'app-3')}/`);

  // Slowed down at first, to look at it half-way.
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings({ ...settings, pauseMs: 30 }), SMALL_PIECES);
  await setEditorText(page, cluster.text);
  const status = page.locator('.editor-load-status');
  await expect(status).toBeVisible();
  await expect(status).toContainText(/Loading \d+% of 2\.\d MB…/);
  await expect(status.getByRole('status')).toHaveText(/Read-only until all of it is in/);
  // Keys typed while it loads change nothing.
  await page.getByTestId('monaco-host').click({ position: { x: 100, y: 40 } });
  await page.keyboard.type('zz');
  expect(await page.evaluate(() => window.meshpath?.editorLoading())).toBe(true);
  await screenshot(page, 'large-file-loading');
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings(settings), SMALL_PIECES);
  await page.waitForFunction(() => !window.meshpath?.editorLoading(), null, { timeout: 45_000 });
  await expect(status).toHaveCount(0);
  expect(await editorHolds(page, cluster.text)).toBe('same');
  expect(await page.evaluate(() => window.meshpath?.getText().length)).toBe(cluster.text.length);
  // The whole-model features stay off for a text this large (bracket colours parse every bracket of the model).
  expect(await bracketColours(page)).toBe(0);

  // The analysis answered meanwhile.
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText(`outbound|80||${cluster.serviceHost('team-0', 'app-3')}`, { timeout: 30_000 });
  await screenshot(page, 'large-file-loaded');

  // The click while it loaded left the editor where it was: at the top.
  await expect(page.locator('.monaco-editor .line-numbers').first()).toHaveText('1');
  // The first Undo has nothing of the load to take away.
  await page.getByTestId('monaco-host').click({ position: { x: 100, y: 8 } });
  await page.keyboard.press('ControlOrMeta+Home');
  await page.keyboard.press('ControlOrMeta+Z');
  expect(await editorHolds(page, cluster.text)).toBe('same');

  // Editing works, reaches the analysis once the user pauses, and Undo takes back only the edit.
  await page.keyboard.type('# checked ');
  expect(await editorHolds(page, `# checked ${cluster.text}`)).toBe('same');
  await expect
    .poll(() => page.evaluate(() => window.meshpath?.getText().startsWith('# checked ')), { timeout: 10_000 })
    .toBe(true);
  for (let i = 0; i < 10 && (await editorHolds(page, cluster.text)) !== 'same'; i++)
    await page.keyboard.press('ControlOrMeta+Z');
  expect(await editorHolds(page, cluster.text)).toBe('same');
  await expect
    .poll(() => page.evaluate(() => window.meshpath?.getText().length), { timeout: 10_000 })
    .toBe(cluster.text.length);
});

test('CRLF, emoji and a line longer than a piece come through unchanged; a small text replaces it as before', async ({
  page,
}) => {
  const line = (i: number) => `    description: "service ${i} ✓ 😀 ${'é'.repeat(i % 13)}"`;
  const docs = Array.from({ length: 1500 }, (_, i) =>
    ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: cm-${i}`, '  annotations:', line(i)].join('\r\n'),
  );
  // One line longer than any piece, cut inside it.
  docs.splice(700, 0, `# ${'😀a'.repeat(30_000)}`);
  const text = docs.join('\r\n---\r\n') + '\r\n';
  expect(text.length).toBeGreaterThan(SMALL_PIECES.piecesFrom);
  await openApp(page);
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings(settings), SMALL_PIECES);
  await setEditorText(page, text);
  await page.waitForFunction(() => !window.meshpath?.editorLoading(), null, { timeout: 30_000 });
  expect(await editorHolds(page, text)).toBe('same');

  // A small text replaces it the way it always has: an edit the user can undo.
  await setEditorText(page, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: small\n');
  expect(await editorHolds(page, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: small\n')).toBe('same');
  await expect(page.locator('.editor-load-status')).toHaveCount(0);
});

/** How many colours the visible lines use: Monaco colours YAML keys and values apart, unless a model is too large. */
const tokenColours = (page: Page) =>
  page.evaluate(() => {
    const spans = document.querySelectorAll('.monaco-editor .view-lines span[class^="mtk"]');
    return new Set([...spans].map((span) => span.className.split(' ')[0])).size;
  });

test("over Monaco's 300,000-line limit: in whole, uncoloured, editable; a small text is coloured again", async ({
  page,
}) => {
  test.setTimeout(60_000);
  const lines = Array.from({ length: 300_500 }, (_, i) => `  key-${i}: value-${i}`);
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: many-lines\ndata:\n${lines.join('\n')}\n`;
  await openApp(page);
  await expect.poll(() => tokenColours(page)).toBeGreaterThan(1);
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings(settings), {
    ...SMALL_PIECES,
    piece: 400_000,
  });
  await setEditorText(page, text);
  await page.waitForFunction(() => !window.meshpath?.editorLoading(), null, { timeout: 45_000 });
  expect(await editorHolds(page, text)).toBe('same');
  // The model was made large from the start, as Monaco makes one for such a text: no colours, the plain line view.
  expect(await tokenColours(page)).toBe(1);
  // It can be edited once it is all in.
  await page.getByTestId('monaco-host').click({ position: { x: 200, y: 12 } });
  await page.keyboard.press('End');
  await page.keyboard.type('x');
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText().slice(0, 17))).toBe('apiVersion: v1x\nk');

  const small = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: small\n';
  await setEditorText(page, small);
  expect(await editorHolds(page, small)).toBe('same');
  await expect.poll(() => tokenColours(page)).toBeGreaterThan(1);
});

test('an uploaded export loads in its own tab; leaving it half-way and coming back loses nothing', async ({ page }) => {
  const cluster = generateClusterExport(1300);
  await openApp(page);
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings({ ...settings, pauseMs: 20 }), SMALL_PIECES);
  await page
    .getByTestId('upload-input')
    .setInputFiles([{ name: 'cluster.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(cluster.text) }]);
  const status = page.locator('.editor-load-status');
  await expect(status).toBeVisible();
  // Away to the demo while it loads: the demo shows whole and editable.
  await page.getByRole('tab', { name: 'demo.yaml' }).click();
  await expect(status).toHaveCount(0);
  expect(await page.evaluate(() => window.meshpath?.editorText() === window.meshpath?.getText())).toBe(true);
  expect(await page.evaluate(() => window.meshpath?.editorLoading())).toBe(false);
  // Back: the export goes in again from the start, and comes out whole.
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings(settings), SMALL_PIECES);
  await page.getByRole('tab', { name: 'cluster.yaml' }).click();
  await page.waitForFunction(() => !window.meshpath?.editorLoading(), null, { timeout: 30_000 });
  expect(await editorHolds(page, cluster.text)).toBe('same');
  // Once whole, the tab comes back at once.
  await page.getByRole('tab', { name: 'demo.yaml' }).click();
  await page.getByRole('tab', { name: 'cluster.yaml' }).click();
  await expect(status).toHaveCount(0);
  expect(await editorHolds(page, cluster.text)).toBe('same');
});

test('a large export pasted over the text loads in pieces; Undo keeps it, Recent has what it replaced', async ({
  page,
}) => {
  const cluster = generateClusterExport(1300);
  await openApp(page);
  await page.evaluate((settings) => window.meshpath?.setLargeTextSettings(settings), SMALL_PIECES);
  const before = await page.evaluate(() => window.meshpath?.getText() ?? '');
  await page.getByTestId('monaco-host').click({ position: { x: 100, y: 8 } });
  await page.keyboard.press('ControlOrMeta+A');
  // A paste from the clipboard, as the browser delivers it to the editor.
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    const paste = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
    document.activeElement?.dispatchEvent(paste);
  }, cluster.text);
  await expect(page.locator('.editor-load-status')).toBeVisible();
  await page.waitForFunction(() => !window.meshpath?.editorLoading(), null, { timeout: 30_000 });
  expect(await editorHolds(page, cluster.text)).toBe('same');
  expect(await page.evaluate(() => window.meshpath?.getText().length)).toBe(cluster.text.length);
  await page.getByTestId('monaco-host').click({ position: { x: 100, y: 8 } });
  await page.keyboard.press('ControlOrMeta+Z');
  expect(await editorHolds(page, cluster.text)).toBe('same');
  await page.getByRole('button', { name: /Recent/ }).click();
  await expect(page.getByRole('menu')).toContainText('Before pasting over');
  expect(before.length).toBeGreaterThan(100);
});
