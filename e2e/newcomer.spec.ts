import type { Page } from '@playwright/test';
import {
  clickGraphNode,
  expect,
  openApp,
  openView,
  screenshot,
  seriousViolations,
  setEditorText,
  test,
  waitForApp,
} from './fixtures.ts';

/** The egress scenario a user pastes: a sleep pod from a Deployment that is not in the paste, and a ServiceEntry. */
const pastedSleep = `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels:
    istio-injection: enabled
---
apiVersion: v1
kind: Pod
metadata:
  name: sleep-7d9c8d7b6-abcde
  namespace: default
  labels:
    app: sleep
spec:
  containers:
  - name: sleep
    image: curlimages/curl
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: google
  namespace: default
spec:
  hosts: [google.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: DNS
  location: MESH_EXTERNAL
`;

const twoReviews = `${pastedSleep}---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v1-5c8d9f7b4-qwert, namespace: default, labels: {app: reviews, version: v1}}
spec: {containers: [{name: reviews, image: reviews}]}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v2-6f7d8c9b5-asdfg, namespace: default, labels: {app: reviews, version: v2}}
spec: {containers: [{name: reviews, image: reviews}]}
`;

async function focusedIs(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((s) => document.activeElement?.closest(s) !== null, selector);
}

/** Presses Tab until the focus is inside `selector`; fails after `max` presses. */
async function tabUntil(page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await focusedIs(page, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: from page load to a traced path and one step’s details', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to the request' })).toBeFocused();
  await page.keyboard.press('Enter');
  const source = page.getByRole('combobox', { name: 'Source pod' });
  await expect(source).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('sleep');
  await page.keyboard.press('Tab');
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await expect(destination).toBeFocused();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('http://google.com/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('routed');
  await expect(outcome).toContainText('outbound|80||google.com');
  await tabUntil(page, '.path-step');
  // The first step button is DNS; move on to the cluster step and open it.
  await tabUntil(page, '[data-kind="cluster"] .path-step');
  await page.keyboard.press('Enter');
  const details = page.getByRole('region', { name: 'Step details' });
  await expect(details).toContainText('Cluster outbound|80||google.com');
  await expect(page.locator('[data-kind="cluster"] .path-step')).toHaveAttribute('aria-expanded', 'true');
  // Escape closes them and the focus is back on the step.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Escape');
  await expect(details).toHaveCount(0);
  await expect(page.locator('[data-kind="cluster"] .path-step')).toBeFocused();
});

test('the editor never traps the keyboard: Tab leaves it when focus came by keyboard; Ctrl+M switches', async ({
  page,
}) => {
  await openApp(page);
  const before = await page.evaluate(() => window.meshpath?.getText());
  await tabUntil(page, '.monaco-editor');
  const hint = page.locator('.editor-tab-hint');
  await expect(hint).toContainText('Tab moves focus · Ctrl+M: Tab indents');
  await page.keyboard.press('Tab');
  expect(await focusedIs(page, '.monaco-editor')).toBe(false);
  expect(await page.evaluate(() => window.meshpath?.getText())).toBe(before);
  // A click puts the editor back in typing mode, where Tab indents; Ctrl+M makes Tab move focus again.
  await page.locator('.monaco-editor .view-lines').click();
  await expect(hint).toContainText('Tab indents · Ctrl+M: Tab moves focus');
  await page.keyboard.press('Control+M');
  await expect(hint).toContainText('Tab moves focus');
  await page.keyboard.press('Tab');
  expect(await focusedIs(page, '.monaco-editor')).toBe(false);
  expect(await page.evaluate(() => window.meshpath?.getText())).toBe(before);
});

test('after pasting a sleep pod without its Deployment, the old source and plain "sleep" both find it', async ({
  page,
}) => {
  await openApp(page);
  await setEditorText(page, pastedSleep);
  const note = page.locator('#source-pod-note');
  // The demo's application/sleep is gone: the one pod that fits is taken, and the form says so.
  await expect(note).toContainText(
    'No pods in namespace application; application/sleep is default/sleep-7d9c8d7b6-abcde (generated pod name)',
  );
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://google.com/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('routed');
  const source = page.getByRole('combobox', { name: 'Source pod' });
  await source.fill('sleep');
  await expect(note).toContainText('sleep is default/sleep-7d9c8d7b6-abcde (generated pod name)');
  await expect(outcome).toContainText('routed');
  await expect(outcome).toContainText('outbound|80||google.com');
  // Several workloads fit: they are offered as choices, one click each.
  await setEditorText(page, twoReviews);
  await source.fill('reviews');
  const choices = page.getByRole('group', { name: 'Source pods that fit' });
  await expect(choices).toContainText('reviews fits pods of 2 workloads (app label)');
  await choices.getByRole('button', { name: 'default/reviews-v2-6f7d8c9b5-asdfg' }).click();
  await expect(source).toHaveValue('default/reviews-v2-6f7d8c9b5-asdfg');
  await expect(choices).toHaveCount(0);
  await expect(outcome).toContainText('routed');
});

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
]) {
  test(`at ${viewport.width}×${viewport.height} step details sit beside the graph; its text is 12 px or more`, async ({
    page,
  }) => {
    await page.setViewportSize(viewport);
    await openApp(page);
    await openView(page, 'Path');
    const zoom = await page.evaluate(() => window.meshpath?.pathZoom() ?? 0);
    expect(zoom * 13).toBeGreaterThanOrEqual(12);
    const index = await page
      .getByRole('list', { name: 'Path steps' })
      .getByRole('listitem')
      .evaluateAll((items) => items.findIndex((li) => li.getAttribute('data-kind') === 'route'));
    await clickGraphNode(page, 'Path', `s${index}`);
    const details = page.getByRole('region', { name: 'Step details' });
    await expect(details).toContainText('Route default');
    // The click shows the object that decided the step in the editor at once.
    await expect(page.locator('.monaco-editor .editor-highlighted-lines').first()).toBeVisible();
    const graph = await page.getByTestId('path-graph').boundingBox();
    const box = await details.boundingBox();
    if (!graph || !box) throw new Error('the graph or the details are not drawn');
    const overlaps =
      box.x < graph.x + graph.width &&
      graph.x < box.x + box.width &&
      box.y < graph.y + graph.height &&
      graph.y < box.y + box.height;
    expect(overlaps, `details ${JSON.stringify(box)} over graph ${JSON.stringify(graph)}`).toBe(false);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await screenshot(page, `newcomer-${viewport.width}x${viewport.height}`);
  });
}

test('axe-core finds no serious or critical violation on Path, Mesh and Proxy config', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Skip tour' }).click();
  for (const view of ['Path', 'Mesh', 'Proxy config'] as const) {
    await openView(page, view);
    if (view === 'Path') await clickGraphNode(page, 'Path', 's1');
    expect(await seriousViolations(page), `${view} view`).toEqual([]);
  }
});

test('a what-if override shows as a badge beside the outcome, in a shared link too, and resets in one click', async ({
  page,
  context,
}) => {
  await openApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('passthrough');
  await expect(outcome.getByRole('list', { name: 'What-if overrides' })).toHaveCount(0);
  await page.getByText('Request details and mesh options').click();
  await page.getByRole('combobox', { name: 'Outbound traffic policy' }).selectOption('REGISTRY_ONLY');
  await page.getByRole('combobox', { name: 'DNS capture' }).selectOption('on');
  await expect(outcome).toContainText('blackhole');
  const badges = outcome.getByRole('list', { name: 'What-if overrides' });
  await expect(badges).toContainText('What-if: REGISTRY_ONLY');
  await expect(badges).toContainText('What-if: DNS capture on');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  const other = await context.newPage();
  await other.goto(link);
  await waitForApp(other);
  const otherOutcome = other.getByRole('status', { name: 'Outcome' });
  await expect(otherOutcome).toContainText('blackhole');
  await expect(otherOutcome.getByRole('list', { name: 'What-if overrides' })).toContainText('What-if: REGISTRY_ONLY');
  await other.getByRole('button', { name: "Use the manifests' outbound traffic policy" }).click();
  await expect(otherOutcome).not.toContainText('What-if: REGISTRY_ONLY');
  await expect(otherOutcome).toContainText('passthrough');
});

test('a made-up address is labelled as a placeholder', async ({ page }) => {
  await openApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  await openView(page, 'Path');
  await expect(page.getByRole('list', { name: 'Path steps' })).toContainText(
    /github\.com → 203\.0\.113\.\d+ \(placeholder: real address unknown\)/,
  );
});

test('a shared link or an example link opens without the guided tour', async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  await page.goto('/');
  await waitForApp(page);
  await expect(page.getByRole('region', { name: 'Guided tour' })).toBeVisible();
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  await first.close();
  for (const url of [link, '/#example=registry-only']) {
    const fresh = await browser.newContext();
    const opened = await fresh.newPage();
    await opened.goto(url);
    await waitForApp(opened);
    await expect(opened.getByRole('status', { name: 'Outcome' })).toBeVisible();
    await expect(opened.getByRole('region', { name: 'Guided tour' })).toHaveCount(0);
    await fresh.close();
  }
});

test('a failure names the document with an error that mentions what the request needed, with a link to it', async ({
  page,
}) => {
  await openApp(page);
  const demo = await page.evaluate(() => window.meshpath?.getText() ?? '');
  // A tab in the Service dest-svc-v1 makes YAML skip its document.
  await setEditorText(
    page,
    demo.replace('  selector:\n    app: helloworld\n    version: v1', '  selector:\n\tapp: helloworld'),
  );
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('A document mentioning dest-svc-v1 has an error:');
  await expect(outcome).toContainText('This document is skipped');
  await outcome.getByRole('button', { name: /^demo\.yaml:\d+:\d+$/ }).click();
  await expect(page.locator('.monaco-editor .editor-highlighted-lines').first()).toBeVisible();
});

test('an example keeps its story at hand, and its "try next" actions are one click each', async ({ page }) => {
  await page.goto('/#example=allow-any');
  await waitForApp(page);
  const story = page.locator('.example-story');
  await expect(story).toContainText('ALLOW_ANY: unknown hosts pass through');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('passthrough');
  await story.getByRole('button', { name: 'Switch to REGISTRY_ONLY' }).click();
  await expect(outcome).toContainText('blackhole');
  await expect(outcome).toContainText('What-if: REGISTRY_ONLY');
  await story.getByRole('button', { name: 'Back to the example’s request' }).click();
  await expect(outcome).toContainText('passthrough');
});
