import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { clickGraphNode, expect, openApp, openView, pathNodeIds, screenshot, test, waitForApp } from './fixtures.ts';

test('the demo opens traced: sleep → dest-svc-v1, routed 200, drawn as a path', async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole('combobox', { name: 'Source pod' })).toHaveValue('application/sleep');
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://dest-svc-v1:7777/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('routed');
  await expect(outcome).toContainText('200');
  await expect(outcome).toContainText('outbound|7777||dest-svc-v1.application.svc.cluster.local');
  await openView(page, 'Path');
  expect(await pathNodeIds(page)).toEqual(expect.arrayContaining(['client', 'destination', 'hop0', 'hop1']));
  const steps = page.getByRole('list', { name: 'Path steps' });
  await expect(steps.getByRole('button', { name: /Listener 0\.0\.0\.0_7777/ })).toBeVisible();
  await expect(
    steps.getByRole('button', { name: /Cluster outbound\|7777\|\|dest-svc-v1\.application\.svc\.cluster\.local/ }),
  ).toBeVisible();
  // Let Cytoscape finish the frame that fits the path before the picture is taken.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const shot = await screenshot(page, 'trace-demo');
  if (process.env.MESHPATH_UPDATE_README_SCREENSHOT) {
    mkdirSync('docs', { recursive: true });
    copyFileSync(shot, 'docs/screenshot.png');
  }
});

test('typing a destination re-traces, and flipping REGISTRY_ONLY turns a passthrough into a 502', async ({ page }) => {
  await openApp(page);
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await destination.fill('http://github.com/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('passthrough');
  await expect(outcome).toContainText('PassthroughCluster');
  await page.getByText('Request details and mesh options').click();
  await page.getByRole('combobox', { name: 'Outbound traffic policy' }).selectOption('REGISTRY_ONLY');
  await expect(outcome).toContainText('blackhole');
  await expect(outcome).toContainText('502');
  await expect(outcome).toContainText('github.com is in no Service or ServiceEntry');
  await openView(page, 'Path');
  await screenshot(page, 'trace-blocked');
  // The ServiceEntry for google.com still lets google.com through.
  await destination.fill('http://google.com/');
  await expect(outcome).toContainText('routed');
  await expect(outcome).toContainText('outbound|80||google.com');
});

test('clicking a node of the path explains it, shows the access log and links to the YAML', async ({ page }) => {
  await openApp(page);
  await openView(page, 'Path');
  // Click the cluster step: find it through the accessible step list's index.
  const index = await page
    .getByRole('list', { name: 'Path steps' })
    .getByRole('listitem')
    .evaluateAll((items) => items.findIndex((li) => li.getAttribute('data-kind') === 'cluster'));
  expect(index).toBeGreaterThan(0);
  await clickGraphNode(page, 'Path', `s${index}`);
  const details = page.getByRole('region', { name: 'Step details' });
  await expect(details).toContainText('Cluster outbound|7777||dest-svc-v1.application.svc.cluster.local');
  await expect(details).toContainText('auto mTLS');
  await expect(details).toContainText('Access log of application/sleep');
  await details.getByRole('button', { name: /Service application\/dest-svc-v1/ }).click();
  await expect(page.locator('.monaco-editor .editor-highlighted-lines').first()).toBeVisible();
  await screenshot(page, 'trace-details');
});

test("a step's finding shows, and links to its YAML lines (Bookinfo's empty subset)", async ({ page }) => {
  await page.goto('/#example=bookinfo');
  await waitForApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://ratings:9080/mysql');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('503');
  await openView(page, 'Path');
  const cluster = page
    .getByRole('list', { name: 'Path steps' })
    .getByRole('button', { name: /Cluster outbound\|9080\|v2-mysql\|ratings.*1 finding/ });
  await cluster.click();
  const findings = page.getByRole('region', { name: 'Step details' }).getByRole('list', { name: 'Step findings' });
  await expect(findings).toContainText('IST0173');
  await expect(findings).toContainText('the subset v2-mysql is empty');
  await screenshot(page, 'trace-step-finding');
  await findings.getByRole('button').first().click();
  await expect(page.locator('.monaco-editor .editor-highlighted-lines').first()).toBeVisible();
});

test('hovering an editor line highlights the steps it causes', async ({ page }) => {
  await openApp(page);
  await openView(page, 'Path');
  const text = await page.evaluate(() => window.meshpath?.getText() ?? '');
  const line = text.split('\n').findIndex((l) => l.includes('name: dest-svc-v1')) + 1;
  const lineNumber = page.locator('.monaco-editor .line-numbers', { hasText: new RegExp(`^${line}$`) });
  if ((await lineNumber.count()) === 0) {
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('ControlOrMeta+Home');
    for (let i = 0; i < line - 1; i++) await page.keyboard.press('ArrowDown');
  }
  const row = page.locator('.monaco-editor .view-line').filter({ hasText: 'name: dest-svc-v1' }).first();
  await row.hover();
  await expect.poll(() => page.evaluate(() => window.meshpath?.hoveredSteps() ?? [])).not.toEqual([]);
});

test('a shared link restores manifests, request and options exactly', async ({ page, context }) => {
  await openApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  await page.getByText('Request details and mesh options').click();
  await page.getByRole('combobox', { name: 'Outbound traffic policy' }).selectOption('REGISTRY_ONLY');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('blackhole');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  const other = await context.newPage();
  await other.goto(link);
  await waitForApp(other);
  await expect(other.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://github.com/');
  await expect(other.getByRole('status', { name: 'Outcome' })).toContainText('blackhole');
  await expect(other.getByRole('status', { name: 'Outcome' })).toContainText('502');
});

test('the ALLOW_ANY_DYNAMIC_DNS what-if sends unknown HTTP to the dynamic forward proxy, and a link keeps it', async ({
  page,
  context,
}) => {
  await openApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  await page.getByText('Request details and mesh options').click();
  await page.getByRole('combobox', { name: 'Outbound traffic policy' }).selectOption('ALLOW_ANY_DYNAMIC_DNS');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('AllowAnyDynamicDNSCluster');
  await expect(outcome).toContainText('What-if: ALLOW_ANY_DYNAMIC_DNS');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  const other = await context.newPage();
  await other.goto(link);
  await waitForApp(other);
  await expect(other.getByRole('status', { name: 'Outcome' })).toContainText('AllowAnyDynamicDNSCluster');
  await other.getByText('Request details and mesh options').click();
  await expect(other.getByRole('combobox', { name: 'Outbound traffic policy' })).toHaveValue('ALLOW_ANY_DYNAMIC_DNS');
});

test('a downloaded scenario file opens again by upload, and the path exports as PNG', async ({ page }) => {
  await openApp(page);
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://github.com/');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('passthrough');
  const [scenarioDownload] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download scenario' }).click(),
  ]);
  const path = await scenarioDownload.path();
  const json = readFileSync(path, 'utf8');
  expect(JSON.parse(json)).toMatchObject({ request: { from: 'application/sleep', to: 'http://github.com/' } });
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://dest-svc-v1:7777/');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('routed');
  await page
    .getByTestId('upload-input')
    .setInputFiles([{ name: 'meshpath-scenario.json', mimeType: 'application/json', buffer: Buffer.from(json) }]);
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://github.com/');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('passthrough');
  await openView(page, 'Path');
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export PNG' }).click(),
  ]);
  expect(png.suggestedFilename()).toBe('meshpath-path.png');
  const bytes = readFileSync(await png.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
});

test('the source pod picker lists every pod and switches the trace', async ({ page }) => {
  await openApp(page);
  const source = page.getByRole('combobox', { name: 'Source pod' });
  const options = await page
    .locator('#source-pods option')
    .evaluateAll((items) => items.map((o) => (o as HTMLOptionElement).value));
  expect(options.some((o) => o.startsWith('istio-system/istio-ingressgateway-'))).toBe(true);
  await source.fill(options.find((o) => o.startsWith('istio-system/istio-ingressgateway-')) ?? '');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('no-listener');
  await source.fill('nowhere/nobody');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('No pod nowhere/nobody');
});
