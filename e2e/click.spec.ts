import type { Page } from '@playwright/test';
import { generateClusterExport } from '../src/cli/realisticExport.ts';
import {
  clickGraphNode,
  expect,
  graphNodeIds,
  openApp,
  openView,
  screenshot,
  setEditorText,
  test,
  waitForApp,
} from './fixtures.ts';

/** Bookinfo, as the examples menu opens it: productpage-v1 → http://reviews:9080/reviews/0 with end-user: jason. */
async function openBookinfo(page: Page): Promise<void> {
  await page.goto('/#example=bookinfo');
  await waitForApp(page);
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('routed');
}

/** The panel of the object selected in the Mesh view, with its Trace buttons. */
const selectedObject = (page: Page) => page.getByRole('complementary', { name: 'Selected object' });

/** One object's line in the Mesh objects list (the accessible list behind the graph). */
const objectLine = (page: Page, id: string) => page.getByTestId('mesh-objects').locator(`li[data-node-id="${id}"]`);

/** Lets Cytoscape draw the frame the last change asked for before a picture is taken. */
const settle = (page: Page) =>
  page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

test('Mesh view: click productpage’s pod, Trace from here, click reviews: the path opens with the outcome', async ({
  page,
}) => {
  await openBookinfo(page);
  // Start from another destination, so the trace the clicks make is a new one.
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://details:9080/details/0');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('details');
  await openView(page, 'Mesh');
  await clickGraphNode(page, 'Mesh', 'Deployment/bookinfo/productpage-v1');
  await selectedObject(page)
    .getByRole('button', { name: /^Trace from here: pod bookinfo\/productpage-v1-/ })
    .click();
  const bar = page.getByRole('status', { name: 'Picking a destination' });
  await expect(bar).toContainText('From bookinfo/productpage-v1: click a Service or host');
  await settle(page);
  await screenshot(page, 'click-pick-destination');

  await clickGraphNode(page, 'Mesh', 'Service/bookinfo/reviews');
  // The Path view opens with the new trace.
  await expect(page.getByRole('tab', { name: 'Path', exact: true })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Source pod' })).toHaveValue('bookinfo/productpage-v1');
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://reviews:9080/');
  await expect(outcome).toContainText('routed');
  await expect(outcome).toContainText('200');
  // end-user: jason stays in the headers: reviews' VirtualService sends it to v2.
  await expect(outcome).toContainText('outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
  await settle(page);
  await screenshot(page, 'click-traced-path');

  // Back in the Mesh view, both ends are marked.
  await openView(page, 'Mesh');
  await expect(objectLine(page, 'Deployment/bookinfo/productpage-v1')).toContainText('(source)');
  await expect(objectLine(page, 'Service/bookinfo/reviews')).toContainText('(destination)');
  await settle(page);
  await screenshot(page, 'click-ends-marked');
  await page.setViewportSize({ width: 1280, height: 720 });
  await settle(page);
  await screenshot(page, 'click-ends-marked-1280x720');
});

test('a host with several ports asks which one; Escape leaves the pick mode', async ({ page }) => {
  await page.goto('/#example=ingress-gateway');
  await waitForApp(page);
  await openView(page, 'Mesh');
  await clickGraphNode(page, 'Mesh', 'Deployment/application/sleep');
  await selectedObject(page)
    .getByRole('button', { name: /^Trace from here/ })
    .click();
  await expect(page.getByRole('status', { name: 'Picking a destination' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('status', { name: 'Picking a destination' })).toHaveCount(0);

  await clickGraphNode(page, 'Mesh', 'Deployment/application/sleep');
  await selectedObject(page)
    .getByRole('button', { name: /^Trace from here/ })
    .click();
  // google.com has ports 80 (http) and 443 (tls): the click shows both, and nothing is traced yet.
  await clickGraphNode(page, 'Mesh', 'ServiceEntry/application/google');
  const selected = selectedObject(page);
  await expect(selected.getByRole('button', { name: 'Trace to google.com:80 (http)' })).toBeVisible();
  await settle(page);
  await screenshot(page, 'click-port-chooser');
  await selected.getByRole('button', { name: 'Trace to google.com:443 (tls)' }).click();
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('google.com:443');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('outbound|443||google.com');

  // A gateway host is traced from the gateway's pod, where such a request arrives.
  await openView(page, 'Mesh');
  await clickGraphNode(page, 'Mesh', 'Gateway/application/yuya-gateway');
  await selectedObject(page)
    .getByRole('button', { name: /^Trace to yuya\.example\.com:80 \(http\), arriving at istio-system/ })
    .click();
  await expect(page.getByRole('combobox', { name: 'Source pod' })).toHaveValue('istio-system/istio-ingressgateway');
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('404');
});

test('keyboard alone: a destination from the suggestions, and a trace from the Mesh objects list', async ({ page }) => {
  await openBookinfo(page);
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await destination.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('rat');
  const list = page.getByRole('listbox', { name: 'Hosts the mesh knows' });
  await expect(list).toBeVisible();
  await expect(destination).toHaveAttribute('aria-expanded', 'true');
  const options = list.getByRole('option');
  await expect(options.first()).toContainText('http://ratings:9080/');
  await expect(options.first()).toContainText('Service bookinfo/ratings · 9080 http');
  await expect(list).toContainText('ratings.bookinfo.svc.cluster.local');
  await page.keyboard.press('ArrowDown');
  await expect(destination).toHaveAttribute('aria-activedescendant', (await options.first().getAttribute('id')) ?? '');
  await expect(options.first()).toHaveAttribute('aria-selected', 'true');
  await settle(page);
  await screenshot(page, 'click-suggestions');
  await page.keyboard.press('Enter');
  await expect(destination).toHaveValue('http://ratings:9080/');
  await expect(list).toBeHidden();
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('outbound|9080|v1|ratings.bookinfo.svc.cluster.local');
  // Free text stays free: Escape closes the list and keeps what was typed.
  await page.keyboard.type('mysql');
  await page.keyboard.press('Escape');
  await expect(list).toBeHidden();
  await expect(destination).toHaveValue('http://ratings:9080/mysql');
  await expect(outcome).toContainText('503');

  // The Mesh objects list behind the graph has the same actions, and shows while the focus is in it.
  await page.getByRole('tab', { name: 'Mesh', exact: true }).focus();
  await page.keyboard.press('Enter');
  const objects = page.getByRole('list', { name: 'Mesh objects' });
  const from = objects.getByRole('button', { name: /^Trace from here: pod bookinfo\/productpage-v1-/ });
  await from.focus();
  await expect(objects).toBeInViewport();
  await settle(page);
  await screenshot(page, 'click-objects-list');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status', { name: 'Picking a destination' })).toBeVisible();
  await objectLine(page, 'Service/bookinfo/details')
    .getByRole('button', { name: 'Trace to details:9080 (http)' })
    .focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://details:9080/');
  // details' VirtualService routes only /details: the trace says so.
  await expect(outcome).toContainText('404');
  await expect(outcome).toContainText('details.bookinfo.svc.cluster.local:9080');
});

test('from the path: trace back from the destination, and to one endpoint directly', async ({ page }) => {
  await openBookinfo(page);
  await openView(page, 'Path');
  await clickGraphNode(page, 'Path', 'destination');
  const back = page.getByRole('group', { name: 'From the destination' });
  await expect(back).toContainText('bookinfo/reviews-v2 → http://productpage:9080/');
  await settle(page);
  await screenshot(page, 'click-trace-back');
  await back.getByRole('button', { name: '⇄ Trace back from here' }).click();
  await expect(page.getByRole('combobox', { name: 'Source pod' })).toHaveValue('bookinfo/reviews-v2');
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://productpage:9080/');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('outbound|9080||productpage.bookinfo.svc.cluster.local');
  await expect(outcome).toContainText('routed');

  // Back to reviews, then straight to one of its pods, bypassing the Service's routing.
  await page.getByRole('combobox', { name: 'Source pod' }).fill('bookinfo/productpage-v1');
  await page.getByRole('combobox', { name: 'Destination' }).fill('http://reviews:9080/reviews/0');
  await expect(outcome).toContainText('reviews');
  const index = await page
    .getByRole('list', { name: 'Path steps' })
    .getByRole('listitem')
    .evaluateAll((items) => items.findIndex((li) => li.getAttribute('data-kind') === 'endpoint'));
  await clickGraphNode(page, 'Path', `s${index}`);
  const direct = page.getByRole('group', { name: 'From the endpoint' });
  const chosen = direct.getByRole('button', { name: /, the one chosen\)$/ });
  const text = (await chosen.textContent()) ?? '';
  const address = /\(([\d.]+:\d+)/.exec(text)?.[1] ?? '';
  expect(address).not.toBe('');
  await settle(page);
  await screenshot(page, 'click-endpoint-direct');
  await chosen.click();
  await expect(page.getByRole('combobox', { name: 'Destination' })).toHaveValue(`http://${address}/reviews/0`);
  await expect(outcome).not.toContainText('outbound|9080|v2|reviews');
});

test('a link shared after a click-made trace opens with both ends', async ({ page, context }) => {
  await openBookinfo(page);
  await openView(page, 'Mesh');
  await clickGraphNode(page, 'Mesh', 'Deployment/bookinfo/details-v1');
  await selectedObject(page)
    .getByRole('button', { name: /^Trace from here/ })
    .click();
  await clickGraphNode(page, 'Mesh', 'Service/bookinfo/ratings');
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await expect(outcome).toContainText('ratings.bookinfo.svc.cluster.local');
  const from = await page.getByRole('combobox', { name: 'Source pod' }).inputValue();
  expect(from).toBe('bookinfo/details-v1');
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();

  const other = await context.newPage();
  await other.goto(link);
  await waitForApp(other);
  await expect(other.getByRole('combobox', { name: 'Source pod' })).toHaveValue(from);
  await expect(other.getByRole('combobox', { name: 'Destination' })).toHaveValue('http://ratings:9080/');
  await expect(other.getByRole('status', { name: 'Outcome' })).toContainText('ratings.bookinfo.svc.cluster.local');
  await openView(other, 'Mesh');
  await expect(objectLine(other, 'Deployment/bookinfo/details-v1')).toContainText('(source)');
  await expect(objectLine(other, 'Service/bookinfo/ratings')).toContainText('(destination)');
});

test('a 2,000-object export: suggestions keep up with typing, and the Mesh overview still traces by clicks', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const cluster = generateClusterExport(2000);
  await page.addInitScript(() => {
    const tasks: number[] = [];
    (window as unknown as { longTasks: number[] }).longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask', buffered: true });
  });
  await openApp(page);
  await setEditorText(page, cluster.text);
  const outcome = page.getByRole('status', { name: 'Outcome' });
  await page.getByRole('combobox', { name: 'Source pod' }).fill(cluster.sourcePod);
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await destination.fill(`http://${cluster.serviceHost('team-0', 'app-1')}/`);
  await expect(outcome).toContainText('app-1.team-0.svc.cluster.local', { timeout: 60_000 });
  await destination.fill('');
  const list = page.getByRole('listbox', { name: 'Hosts the mesh knows' });
  // Each keystroke filters the names the last one matched; the list is capped, so drawing it stays cheap.
  const longTasks = () => page.evaluate(() => [...(window as unknown as { longTasks: number[] }).longTasks]);
  const before = (await longTasks()).length;
  const timings: number[] = [];
  let typed = '';
  for (const key of 'app-7.team-1') {
    typed += key;
    const start = Date.now();
    await page.keyboard.type(key);
    await expect(list.getByRole('option').first()).toContainText(typed);
    timings.push(Date.now() - start);
  }
  const whileTyping = (await longTasks()).slice(before);
  console.log(`[click] main-thread tasks over 50 ms while typing: ${whileTyping.join(', ') || 'none'}`);
  const options = await list.getByRole('option').count();
  expect(options).toBeLessThanOrEqual(40);
  await expect(list.getByRole('option').first()).toContainText('app-7.team-1');
  console.log(`[click] suggestions per keystroke (ms, incl. the test's round trip): ${timings.join(', ')}`);
  test.info().annotations.push({ type: 'suggestions per keystroke (ms)', description: timings.join(', ') });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(destination).toHaveValue('http://app-7.team-1/');
  // team-0's Sidecar lists only its own namespace: the request leaves as unknown traffic, and the trace says so.
  await expect(outcome).toContainText('team-1/app-7');

  // The overview opens a namespace on a click; its objects have the same Trace actions.
  await openView(page, 'Mesh');
  expect(await graphNodeIds(page)).toEqual(cluster.namespaces.map((n) => `Namespace//${n}`));
  await clickGraphNode(page, 'Mesh', 'Namespace//team-2');
  await expect.poll(() => graphNodeIds(page)).toContain('Service/team-2/app-3');
  const pod = (await graphNodeIds(page)).find((id) => id.startsWith('Pod/team-2/app-1-')) ?? '';
  await clickGraphNode(page, 'Mesh', pod);
  await selectedObject(page)
    .getByRole('button', { name: /^Trace from here/ })
    .click();
  await clickGraphNode(page, 'Mesh', 'Service/team-2/app-3');
  await expect(outcome).toContainText('app-3.team-2.svc.cluster.local');
  await expect(page.getByRole('combobox', { name: 'Source pod' })).toHaveValue(pod.replace(/^Pod\//, ''));
});
