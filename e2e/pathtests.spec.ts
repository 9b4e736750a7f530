import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, openApp, screenshot, seriousViolations, test, waitForApp } from './fixtures.ts';

/**
 * Path tests, before/after comparison and verified fixes in the app: "Save as test" and the Tests tab, "Compare
 * with…" and the Compare tab, and "Apply in a copy" under a failing outcome. Driven from the keyboard where a user
 * would.
 */

const bookinfoTests = readFileSync('fixtures/pathtests/bookinfo.tests.yaml', 'utf8');

const outcome = (page: Page) => page.getByRole('status', { name: 'Outcome' });

/** A picture at the two sizes a newcomer's screen most often has. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1440, 900],
    [1280, 720],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await screenshot(page, `${name}-${width}x${height}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('save as test: the request and its result become a test that runs and passes, and downloads', async ({ page }) => {
  await openApp(page);
  await expect(outcome(page)).toContainText('routed');
  // From the keyboard: the button, a name, Enter.
  await page.getByRole('button', { name: 'Save as test' }).focus();
  await page.keyboard.press('Enter');
  const form = page.getByRole('form', { name: 'Save as test' });
  await expect(form.getByRole('list', { name: 'What the test asserts' }).getByRole('listitem')).toHaveText([
    'outcome: routed',
    'status: 200',
    'cluster: outbound|7777||dest-svc-v1.application.svc.cluster.local',
  ]);
  await expect(form).toContainText('meshpath.tests.yaml (new)');
  await screenshot(page, 'pathtests-save-form');
  await page.getByRole('textbox', { name: 'Test name' }).fill('sleep reaches dest-svc-v1');
  await page.keyboard.press('Enter');
  await expect(form).toBeHidden();

  await expect(page.getByRole('tab', { name: 'meshpath.tests.yaml' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: /^Tests/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('status', { name: 'Test summary' })).toContainText('1 test: 1 passed, 0 failed');
  const results = page.getByRole('list', { name: 'Test results' });
  await expect(results.getByRole('listitem')).toHaveText([/PASS\s*sleep reaches dest-svc-v1\s*routed 200/]);
  const text = await page.evaluate(() => window.meshpath?.getText(1) ?? '');
  expect(text).toContain('- name: "sleep reaches dest-svc-v1"');
  expect(text).toContain('expect: { outcome: routed, status: 200, cluster: "outbound|7777||dest-svc-v1');
  // The tests file is not read as manifests: no problem in it, the outcome unchanged.
  await expect(outcome(page)).toContainText('routed');
  await screenshots(page, 'pathtests-saved');

  // A second test, to another destination, is appended to the same file.
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  await expect(outcome(page)).toContainText('passthrough');
  await page.getByRole('button', { name: 'Save as test' }).click();
  await page.getByRole('button', { name: 'Save test' }).click();
  await expect(page.getByRole('status', { name: 'Test summary' })).toContainText('2 tests: 2 passed, 0 failed');
  await expect(page.getByRole('tab', { name: /^Tests/ })).toContainText('2/2');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download meshpath.tests.yaml' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('meshpath.tests.yaml');
  const downloaded = readFileSync(await download.path(), 'utf8');
  expect(downloaded).toMatch(/^tests:\n {2}- name: "sleep reaches dest-svc-v1"/);
  expect(downloaded).toContain('- name: "application/sleep → http://github.com/"');
});

test('a failing test shows the first differing field; a click opens its trace; an edit runs them again', async ({
  page,
}) => {
  await page.goto('/#example=bookinfo');
  await waitForApp(page);
  const failing = bookinfoTests.replace('status: 503', 'status: 200');
  await page
    .getByTestId('upload-input')
    .setInputFiles([{ name: 'bookinfo.tests.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(failing) }]);
  // Recognised by its shape: the Tests tab opens with the results.
  await expect(page.getByRole('tab', { name: /^Tests/ })).toHaveAttribute('aria-selected', 'true');
  const summary = page.getByRole('status', { name: 'Test summary' });
  await expect(summary).toContainText('4 tests: 3 passed, 1 failed');
  const failed = page.getByRole('listitem').filter({ hasText: /^FAIL/ });
  await expect(failed).toContainText('ratings for /mysql finds no pod of subset v2-mysql');
  await expect(failed).toContainText('status: expected 200, got 503');
  await expect(failed).toContainText(/decided at step \d+/);
  await expect(page.getByRole('tab', { name: /^Tests/ })).toContainText('3/4');
  await screenshots(page, 'pathtests-failing');

  // The failing field's place in the file, then the test's trace.
  await failed.getByRole('button', { name: 'status' }).click();
  await expect(page.getByRole('tab', { name: 'bookinfo.tests.yaml' })).toHaveAttribute('aria-selected', 'true');
  await failed.getByRole('button', { name: 'ratings for /mysql finds no pod of subset v2-mysql' }).click();
  await expect(page.getByRole('tab', { name: 'Path', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://ratings:9080/mysql');
  await expect(outcome(page)).toContainText('503');

  // Fixing the expectation in the editor runs the tests again.
  await page.evaluate((text) => window.meshpath?.setText(text, 1), bookinfoTests);
  await page.getByRole('tab', { name: /^Tests/ }).click();
  await expect(summary).toContainText('4 tests: 4 passed, 0 failed');
  // A mistake in the tests file is shown at its line and column.
  await page.evaluate((text) => window.meshpath?.setText(text, 1), bookinfoTests.replace('expect:', 'expectt:'));
  await expect(page.getByRole('alert').filter({ hasText: 'cannot be run' })).toContainText(
    /bookinfo\.tests\.yaml:\d+:\d+ Unknown field "expectt"/,
  );
  // And marked in the editor, at that line.
  await page.getByRole('tab', { name: 'bookinfo.tests.yaml' }).click();
  await expect(page.locator('.monaco-editor .squiggly-error').first()).toBeVisible();
});

test('compare with a saved workspace: the two paths side by side, where they part, and what changed', async ({
  page,
}) => {
  await page.goto('/#example=registry-only');
  await waitForApp(page);
  await expect(outcome(page)).toContainText('blackhole');
  // Opening another example keeps this one in Recent.
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  await page.getByRole('menuitem', { name: /ALLOW_ANY: unknown hosts pass through/ }).click();
  await expect(outcome(page)).toContainText('passthrough');

  await page.getByRole('button', { name: 'Compare with… ▾' }).click();
  const chooser = page.getByRole('dialog', { name: 'Compare with' });
  // The first kept workspace has the focus: Enter chooses it.
  await expect(chooser.getByRole('button').first()).toBeFocused();
  await expect(chooser.getByRole('button').first()).toContainText('registry-only.yaml');
  await page.keyboard.press('Enter');

  await expect(page.getByRole('tab', { name: 'Compare' })).toHaveAttribute('aria-selected', 'true');
  const verdict = page.getByRole('status', { name: 'Comparison result' });
  await expect(verdict).toContainText(/The paths part at step \d+/);
  await expect(verdict).toContainText('Before: blackhole 502');
  await expect(verdict).toContainText('Now: passthrough 200');
  const before = page.getByRole('list', { name: 'Path in the workspace before' });
  const now = page.getByRole('list', { name: 'Path in this workspace' });
  await expect(before.locator('[aria-current="step"]')).toContainText('block_all');
  await expect(now.locator('[aria-current="step"]')).toContainText('allow_any');
  await expect(page.getByRole('list', { name: 'Changed objects' })).toContainText('changed');
  await screenshots(page, 'pathtests-compare');

  // The comparison follows the request: google.com has a ServiceEntry in both.
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://google.com/');
  await expect(verdict).toContainText('Same result in both');
  await page.getByRole('button', { name: 'Stop comparing' }).click();
  await expect(page.getByRole('heading', { name: /Compare this request in two versions/ })).toBeVisible();
  await screenshot(page, 'pathtests-compare-empty');
});

test('compare with a share link and with a file: the fix shows as the added object that routes the request', async ({
  page,
}) => {
  await page.goto('/#example=registry-only');
  await waitForApp(page);
  await expect(outcome(page)).toContainText('blackhole');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  const original = await page.evaluate(() => window.meshpath?.getText(0) ?? '');
  await page
    .getByRole('region', { name: 'Why not, and fixes' })
    .getByRole('button', { name: 'Apply in a copy' })
    .click();
  await expect(outcome(page)).toContainText('routed');

  await page.getByRole('button', { name: 'Compare with… ▾' }).click();
  const chooser = page.getByRole('dialog', { name: 'Compare with' });
  await chooser.getByRole('button', { name: /A share link/ }).click();
  await page.getByRole('textbox', { name: 'Share link to compare with' }).fill(link);
  await page.keyboard.press('Enter');
  const verdict = page.getByRole('status', { name: 'Comparison result' });
  await expect(verdict).toContainText('Before: blackhole 502');
  await expect(verdict).toContainText('Now: routed 200 via outbound|80||github.com');
  const objects = page.getByRole('list', { name: 'Changed objects' });
  await expect(objects).toContainText('added');
  await expect(objects).toContainText('ServiceEntry application/github-com (meshpath-fix.yaml:');
  await expect(page.getByText('This request in the shared link (before)')).toBeVisible();

  // The same with the manifests as a file; a click on the added object shows it in the editor.
  await page.getByRole('button', { name: 'Stop comparing' }).click();
  await page
    .getByLabel('File to compare with')
    .setInputFiles([{ name: 'before.yaml', mimeType: 'application/x-yaml', buffer: Buffer.from(original) }]);
  await expect(page.getByText('This request in before.yaml (a file) (before)')).toBeVisible();
  await expect(verdict).toContainText('Before: blackhole 502');
  await page.getByRole('tab', { name: 'registry-only.yaml' }).click();
  await objects.getByRole('button', { name: /ServiceEntry application\/github-com/ }).click();
  await expect(page.getByRole('tab', { name: 'meshpath-fix.yaml' })).toHaveAttribute('aria-selected', 'true');
  // A link that holds no scenario says so.
  await page.getByRole('button', { name: 'Compare with… ▾' }).click();
  await chooser.getByRole('button', { name: /A share link/ }).click();
  await page.getByRole('textbox', { name: 'Share link to compare with' }).fill('https://example.org/#v2=AAAA.00000000');
  await page.keyboard.press('Enter');
  await expect(chooser.getByRole('alert')).toContainText('damaged');
  await screenshots(page, 'pathtests-compare-link');
});

test('apply a fix in a copy turns a blackhole green; the user file untouched, Recent keeps the workspace', async ({
  page,
}) => {
  await page.goto('/#example=registry-only');
  await waitForApp(page);
  await expect(outcome(page)).toContainText('blackhole');
  const original = await page.evaluate(() => window.meshpath?.getText(0) ?? '');
  const fixes = page.getByRole('region', { name: 'Why not, and fixes' });
  await expect(fixes).toContainText('How to make it routed: 1 verified fix');
  await expect(fixes).toContainText('Add a ServiceEntry for github.com:80');
  await expect(fixes).toContainText('verified: then routed 200 via outbound|80||github.com');
  await expect(fixes.locator('pre')).toContainText('kind: ServiceEntry');
  await screenshots(page, 'pathtests-fix');

  await fixes.getByRole('button', { name: 'Apply in a copy' }).focus();
  await page.keyboard.press('Enter');
  await expect(outcome(page)).toContainText('routed');
  await expect(outcome(page)).toHaveClass(/success/);
  await expect(outcome(page)).toContainText('outbound|80||github.com');
  await expect(page.getByRole('tab', { name: 'meshpath-fix.yaml' })).toHaveAttribute('aria-selected', 'true');
  expect(await page.evaluate(() => window.meshpath?.getText(0))).toBe(original);
  expect(await page.evaluate(() => window.meshpath?.getText(1))).toMatch(/^# Fix suggested by Meshpath/);
  await expect(page.getByRole('status', { name: 'Notice' })).toContainText('your files are untouched');
  await expect(fixes).toBeHidden();
  await screenshots(page, 'pathtests-fix-applied');

  await page.getByRole('button', { name: 'Recent ▾' }).click();
  await expect(page.getByRole('menuitem', { name: /Before adding meshpath-fix\.yaml/ })).toBeVisible();
});

test('the passthrough of a Sidecar-hidden host: the fix edits the Sidecar in a copy and routes it', async ({
  page,
}) => {
  await page.goto('/#example=sidecar-egress-gotcha');
  await waitForApp(page);
  await expect(outcome(page)).toContainText('passthrough');
  const fixes = page.getByRole('region', { name: 'Why not, and fixes' });
  // The request got through (in plaintext, past the Sidecar): the fixes take one line until opened.
  const toggle = fixes.getByRole('button', { name: 'How to make it routed: 1 verified fix' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await expect(fixes).toContainText('Add team-b/payments.team-b.svc.cluster.local to the egress hosts of Sidecar');
  await fixes.getByRole('button', { name: 'Apply in a copy' }).click();
  await expect(outcome(page)).toContainText('routed');
  await expect(outcome(page)).toContainText('outbound|8080|v2|payments.team-b.svc.cluster.local');
});

test('axe-core finds no serious or critical violation in the fixes, Save as test, Tests and Compare', async ({
  page,
}) => {
  await page.goto('/#example=registry-only');
  await waitForApp(page);
  await expect(page.getByRole('region', { name: 'Why not, and fixes' })).toContainText('1 verified fix');
  expect(await seriousViolations(page), 'fixes under the outcome').toEqual([]);
  await page.getByRole('button', { name: 'Save as test' }).click();
  expect(await seriousViolations(page), 'Save as test form').toEqual([]);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status', { name: 'Test summary' })).toContainText('1 passed');
  expect(await seriousViolations(page), 'Tests tab').toEqual([]);
  await page.getByRole('button', { name: 'Compare with… ▾' }).click();
  const chooser = page.getByRole('dialog', { name: 'Compare with' });
  await chooser.getByRole('button', { name: /A share link/ }).click();
  expect(await seriousViolations(page), 'Compare with').toEqual([]);
  await chooser.getByRole('button').first().click();
  await expect(page.getByRole('status', { name: 'Comparison result' })).toBeVisible();
  expect(await seriousViolations(page), 'Compare tab').toEqual([]);
});
