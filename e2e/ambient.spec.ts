import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, openView, screenshot, seriousViolations, test, waitForApp } from './fixtures.ts';

/** The ambient examples: what their path and ztunnel tables show besides the outcome their example.json expects. */
const EXAMPLES = [
  {
    id: 'ambient-l4',
    lanes: [/^Source ztunnel · node of shop\/sleep-/, /^Destination ztunnel · node of shop\/httpbin-/],
    hboneEdges: 1,
    bypassed: undefined,
    service: { name: 'httpbin.shop.svc.cluster.local', waypoint: 'None' },
    destinationPod: 'shop/httpbin-',
  },
  {
    id: 'ambient-waypoint',
    lanes: [
      /^Source ztunnel · node of shop\/sleep-/,
      /^Waypoint shop\/waypoint · pod shop\/waypoint-0$/,
      /^Destination ztunnel · node of shop\/productpage-/,
    ],
    hboneEdges: 2,
    bypassed: undefined,
    service: { name: 'productpage.shop.svc.cluster.local', waypoint: 'waypoint' },
    destinationPod: 'shop/productpage-',
  },
  {
    id: 'ambient-waypoint-missing',
    lanes: [/^Source ztunnel · node of shop\/sleep-/, /^Destination ztunnel · node of shop\/productpage-/],
    hboneEdges: 1,
    bypassed: 'waypoint shop/waypoint bypassed: does not exist',
    service: { name: 'productpage.shop.svc.cluster.local', waypoint: 'None' },
    destinationPod: 'shop/productpage-',
  },
] as const;

interface ExampleFile {
  expect: { outcome: string; status: number | null };
}

const expected = (id: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`../fixtures/scenarios/${id}/example.json`, import.meta.url), 'utf8'),
    ) as ExampleFile
  ).expect;

const pathNodes = (page: Page) => page.evaluate(() => window.meshpath?.pathNodes() ?? []);
const pathEdges = (page: Page) => page.evaluate(() => window.meshpath?.pathEdges() ?? []);

async function openExample(page: Page, id: string): Promise<void> {
  // A new hash alone does not load the app again: leave the page first, as following a link from elsewhere does.
  await page.goto('about:blank');
  await page.goto(`/#example=${id}`);
  await waitForApp(page);
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText(expected(id).outcome);
}

for (const example of EXAMPLES) {
  test(`${example.id} opens by link: outcome, ztunnel and waypoint lanes, HBONE edges, the ztunnel table`, async ({
    page,
  }) => {
    await openExample(page, example.id);
    const status = expected(example.id).status;
    if (status !== null) await expect(page.locator('.outcome-status')).toHaveText(new RegExp(`^${status}\\b`));

    await openView(page, 'Path');
    // One lane per ambient proxy, in the order the request meets them.
    const lanes = (await pathNodes(page)).filter((n) => n.classes.includes('hop')).map((n) => n.label);
    expect(lanes).toHaveLength(example.lanes.length);
    example.lanes.forEach((lane, i) => expect(lanes[i]).toMatch(lane));
    // HBONE tunnels are labelled edges of their own style, and stand for the HBONE steps (no node of their own).
    const edges = await pathEdges(page);
    const hbone = edges.filter((e) => e.classes.includes('hbone'));
    expect(hbone).toHaveLength(example.hboneEdges);
    for (const edge of hbone) expect(edge.label).toBe('HBONE :15008 · mTLS');
    expect(edges.filter((e) => !e.classes.includes('hbone')).every((e) => e.label !== 'HBONE :15008 · mTLS')).toBe(
      true,
    );
    expect((await pathNodes(page)).some((n) => n.classes.includes('hbone'))).toBe(false);
    await expect(page.getByLabel('Edge legend')).toHaveText('HBONE :15008 = mTLS tunnel (HTTP/2 CONNECT)');

    const steps = page.getByRole('list', { name: 'Path steps' });
    if (example.bypassed) {
      // The bypassed waypoint is drawn beside the step that went around it, and the step says so in the list.
      const ghost = (await pathNodes(page)).find((n) => n.classes.includes('bypassed'));
      expect(ghost?.label).toBe('Waypoint\nshop/waypoint\nbypassed:\ndoes not exist');
      await expect(steps.getByRole('button', { name: /Destination productpage/ })).toContainText(example.bypassed);
    } else {
      expect((await pathNodes(page)).some((n) => n.classes.includes('bypassed'))).toBe(false);
      await expect(steps).not.toContainText('bypassed');
    }
    await screenshot(page, `ambient-${example.id}-path`);

    // The Proxy config tab opens on the source pod: an ambient pod, so ztunnel's view, worked out in the worker.
    await openView(page, 'Proxy config');
    await expect(page.getByRole('combobox', { name: 'Proxy' })).toHaveValue(/^shop\/sleep-/);
    await expect(page.getByRole('combobox', { name: 'Proxy' }).locator('option:checked')).toContainText(
      '(ambient · ztunnel) · on the path',
    );
    // The pod whose ztunnel takes the request in is on the path too.
    await expect(
      page.getByRole('combobox', { name: 'Proxy' }).locator('option', { hasText: example.destinationPod }),
    ).toContainText('(ambient · ztunnel) · on the path');
    await expect(page.getByRole('region', { name: 'Proxy config' })).toContainText(
      'has no proxy of its own: namespace shop has the label istio.io/dataplane-mode=ambient',
    );
    const workloads = page.getByRole('table', { name: /^workloads of shop\/sleep-/ });
    await expect(workloads.locator('thead')).toContainText('WAYPOINT');
    await expect(workloads.locator('tr[aria-current="true"]')).toContainText(/sleep-\S+\s*10\.\S+.*HBONE/);
    await page.getByRole('tab', { name: /^services/ }).click();
    const services = page.getByRole('table', { name: /^services of shop\/sleep-/ });
    const row = services.locator('tbody tr', { hasText: example.service.name });
    await expect(row.locator('td').nth(3)).toHaveText(example.service.waypoint);
    await screenshot(page, `ambient-${example.id}-ztunnel`);
  });
}

// The whole path on screen at full size: the L4 and bypass paths at both sizes. The waypoint's path, with the
// waypoint's listener, route, cluster and endpoint, is longer: at 1440x900 the source ztunnel and the waypoint lane
// are on screen and the destination's lane scrolls into view, as long paths do, rather than shrinking below 12 px.
const SCREENS = [
  { id: 'ambient-l4', width: 1280, height: 720, lanes: 2, onScreen: ['hop0-title', 'hop1-title', 'destination'] },
  {
    id: 'ambient-waypoint-missing',
    width: 1280,
    height: 720,
    lanes: 2,
    onScreen: ['hop0-title', 'hop1-title', 'destination'],
  },
  {
    id: 'ambient-waypoint-missing',
    width: 1440,
    height: 900,
    lanes: 2,
    onScreen: ['hop0-title', 'hop1-title', 'destination'],
  },
  { id: 'ambient-waypoint', width: 1440, height: 900, lanes: 3, onScreen: ['hop0-title', 'hop1-title'] },
] as const;

test('the ambient path reads at 1280x720 and 1440x900: lanes, labels and the outcome on screen at 12 px', async ({
  page,
}) => {
  for (const { id, width, height, lanes, onScreen } of SCREENS) {
    await page.setViewportSize({ width, height });
    await openExample(page, id);
    await openView(page, 'Path');
    const box = await page.getByTestId('path-graph').boundingBox();
    if (!box) throw new Error('the path graph is not drawn');
    // The graph of the example opened before may still be drawn: wait for this one's lanes.
    await expect
      .poll(async () => (await pathNodes(page)).filter((n) => n.classes.includes('lane-title')).length)
      .toBe(lanes);
    for (const node of ['client', ...onScreen]) {
      const at = await page.evaluate((node) => window.meshpath?.pathNodePosition(node) ?? null, node);
      expect(at, `${node} of ${id}`).not.toBeNull();
      expect(at?.y ?? -1, `${node} of ${id} at ${width}x${height}`).toBeLessThan(box.height - 30);
      expect(at?.y ?? -1).toBeGreaterThan(0);
    }
    if ((onScreen as readonly string[]).includes('destination'))
      for (const edge of await pathEdges(page)) expect(edge.midpoint.y).toBeLessThan(box.height);
    expect(await page.evaluate(() => window.meshpath?.pathZoom() ?? 0)).toBeGreaterThanOrEqual(12 / 13 - 0.001);
    await screenshot(page, `ambient-${id}-${width}x${height}`);
  }
});

test('clicking an HBONE edge opens its step', async ({ page }) => {
  await openExample(page, 'ambient-waypoint');
  await openView(page, 'Path');
  const edge = (await pathEdges(page)).find((e) => e.classes.includes('hbone'));
  const box = await page.getByTestId('path-graph').boundingBox();
  if (!edge || !box) throw new Error('no HBONE edge drawn');
  await page.mouse.click(box.x + edge.midpoint.x, box.y + edge.midpoint.y);
  const details = page.getByRole('region', { name: 'Step details' });
  await expect(details).toContainText('HTTP/2 CONNECT to the waypoint on port 15008');
  await expect(page.getByRole('list', { name: 'Path steps' }).locator('li.selected')).toContainText('HBONE →');
});

test('the ztunnel tables work from the keyboard: tabs with arrow keys, filter, scroll, and a link to the YAML', async ({
  page,
}) => {
  await openExample(page, 'ambient-waypoint');
  await openView(page, 'Proxy config');
  const workloadsTab = page.getByRole('tab', { name: /^workloads/ });
  await expect(workloadsTab).toHaveAttribute('aria-selected', 'true');
  await workloadsTab.focus();
  await page.keyboard.press('ArrowRight');
  const servicesTab = page.getByRole('tab', { name: /^services/ });
  await expect(servicesTab).toBeFocused();
  await expect(servicesTab).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(workloadsTab).toBeFocused();
  await page.keyboard.press('End');
  await expect(servicesTab).toBeFocused();
  // Tab leaves the tab list for the filter, then the table (a focusable region), then its links.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: 'Filter rows' })).toBeFocused();
  await page.keyboard.type('productpage');
  const services = page.getByRole('table', { name: /^services of / });
  await expect(services.locator('tbody tr')).toHaveCount(1);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('tabpanel', { name: /^services of / })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(services.getByRole('button', { name: 'Service productpage' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('.monaco-editor .editor-highlighted-lines').first()).toBeVisible();
});

test('a waypoint pod shows its Envoy tables, named as the waypoint', async ({ page }) => {
  await openExample(page, 'ambient-waypoint');
  await openView(page, 'Proxy config');
  const proxy = page.getByRole('combobox', { name: 'Proxy' });
  await expect(proxy.locator('option', { hasText: 'shop/waypoint-0 (waypoint) · on the path' })).toHaveCount(1);
  await proxy.selectOption('shop/waypoint-0');
  await expect(page.getByRole('region', { name: 'Proxy config' })).toContainText(
    'shop/waypoint-0 runs the waypoint shop/waypoint',
  );
  await expect(page.getByRole('tab')).toContainText([/^Path/, /^Mesh/, /^Proxy config/, /^listeners/, /^routes/]);
  await page.getByRole('tab', { name: /^clusters/ }).click();
  await expect(page.getByRole('table', { name: 'clusters of shop/waypoint-0' })).toBeVisible();
  await screenshot(page, 'ambient-waypoint-envoy');
});

test('axe-core finds no serious or critical violation on the ambient path and the ztunnel tables', async ({ page }) => {
  await openExample(page, 'ambient-waypoint-missing');
  await openView(page, 'Path');
  await page
    .getByRole('list', { name: 'Path steps' })
    .getByRole('button', { name: /Destination productpage/ })
    .click();
  expect(await seriousViolations(page), 'Path view').toEqual([]);
  await openView(page, 'Proxy config');
  await expect(page.getByRole('table', { name: /^workloads of / })).toBeVisible();
  expect(await seriousViolations(page), 'ztunnel tables').toEqual([]);
});

test('an ambient client calling a host outside the mesh: a labelled plaintext edge, and the workloads table', async ({
  page,
}) => {
  await openExample(page, 'ambient-l4');
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://example.com/');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('passthrough');
  await openView(page, 'Path');
  await expect
    .poll(async () => (await pathEdges(page)).filter((e) => e.label !== '').map((e) => e.label))
    .toEqual(['plaintext :80 · outside the mesh']);
  await expect(page.getByLabel('Edge legend')).toHaveText('plaintext: no tunnel, no mTLS');
  await screenshot(page, 'ambient-plaintext-path');
  await openView(page, 'Proxy config');
  await expect(page.getByRole('region', { name: 'Proxy config' })).toContainText("This pod's row is marked.");
  await screenshot(page, 'ambient-ztunnel-workloads');
});
