import { expect, openApp, openView, screenshot, setEditorText, test, waitForApp } from './fixtures.ts';

/** Renaming file tabs, names with invisible characters, and kinds Meshpath does not know, as a user meets them. */

test('a tab is renamed by double-click or F2, Enter keeps, Escape drops, a taken name is refused', async ({ page }) => {
  await openApp(page);
  const tabs = page.getByRole('tablist', { name: 'Files' });
  await tabs.getByRole('tab', { name: 'demo.yaml' }).dblclick();
  const field = page.getByRole('textbox', { name: 'Rename demo.yaml' });
  await expect(field).toBeFocused();
  await field.fill('orders.yaml');
  await page.keyboard.press('Enter');
  await expect(tabs.getByRole('tab', { name: 'orders.yaml' })).toBeFocused();

  // F2 from the keyboard; Escape keeps the name it had.
  await page.keyboard.press('F2');
  await page.keyboard.type('other');
  await page.keyboard.press('Escape');
  await expect(tabs.getByRole('tab', { name: 'orders.yaml' })).toBeFocused();

  // A second file, then its name taken: refused with a message, Enter does nothing until it is fixed.
  await page.locator('.editor-pane').dispatchEvent('drop', {
    dataTransfer: await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['apiVersion: v1\nkind: Namespace\nmetadata:\n  name: two\n'], 'two.yaml'));
      return transfer;
    }),
  });
  await expect(tabs.getByRole('tab', { name: 'two.yaml' })).toBeVisible();
  await tabs.getByRole('tab', { name: 'two.yaml' }).focus();
  await page.keyboard.press('F2');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('orders.yaml');
  await expect(page.locator('.rename-problem')).toHaveText('Another file is already named orders.yaml.');
  await page.setViewportSize({ width: 1280, height: 720 });
  await screenshot(page, 'names-rename-refused-1280');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Rename two.yaml' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Rename two.yaml' }).fill('orders.yml');
  await page.keyboard.press('Enter');
  await expect(tabs.getByRole('tab')).toHaveText(['orders.yaml', 'orders.yml']);

  // The names are in the share link and survive a reload.
  await page.getByRole('button', { name: 'Share' }).click();
  const link = await page.getByRole('textbox', { name: 'Share link' }).inputValue();
  await page.keyboard.press('Escape');
  await page.reload();
  await waitForApp(page);
  await expect(tabs.getByRole('tab')).toHaveText(['orders.yaml', 'orders.yml']);
  await page.evaluate(() => localStorage.clear());
  await page.goto(link);
  await page.reload();
  await waitForApp(page);
  await expect(tabs.getByRole('tab')).toHaveText(['orders.yaml', 'orders.yml']);

  // Recent keeps the workspace under its new names when an example replaces it.
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  await page.getByRole('menuitem', { name: /Bookinfo/ }).click();
  await page.getByRole('button', { name: 'Recent ▾' }).click();
  await page
    .getByRole('menuitem', { name: /Before opening the example/ })
    .first()
    .click();
  await expect(tabs.getByRole('tab')).toHaveText(['orders.yaml', 'orders.yml']);
});

const POD = 'sle\u202Eep';
const SERVICE = 'rev\u200Biews';
const pod = (name: string, app: string, ip: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: "${name}"\n  namespace: default\n` +
  `  annotations: {sidecar.istio.io/status: "{}"}\n  labels: {app: ${app}}\n` +
  'spec:\n  containers: [{name: c, image: x}, {name: istio-proxy, image: proxyv2}]\n' +
  `status: {podIP: ${ip}, phase: Running}\n`;
const TRICKY = [
  pod(POD, 'sleep', '10.0.0.1'),
  pod('reviews-1', 'reviews', '10.0.0.2'),
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: "${SERVICE}"\n  namespace: default\n` +
    'spec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 9080}]\n',
  'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: web\n  namespace: default\n',
  'apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: api\n  namespace: default\n',
].join('---\n');

test('names with invisible characters are written out in the graph, the form and the suggestions', async ({ page }) => {
  await openApp(page);
  await setEditorText(page, TRICKY);
  await page.getByRole('combobox', { name: 'Source pod' }).or(page.locator('#source-pod')).fill(`default/${POD}`);
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await destination.fill('rev');
  const option = page.getByRole('option').first();
  await expect(option).toContainText('rev\\u200Biews');
  await expect(page.getByRole('listbox', { name: 'Hosts the mesh knows' })).not.toContainText(/[\u202E\u200B]/);
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, 'names-suggestions-1440');
  await option.click();
  await expect(page.getByRole('note', { name: 'Invisible characters' })).toHaveText(
    'Invisible characters, written out: Source pod default/sle\\u202Eep · Destination http://rev\\u200Biews:9080/',
  );
  // The source pod choices (the field's list) label each pod written out.
  await expect(page.locator(`#source-pods option[value="default/${POD}"]`)).toHaveText(/^default\/sle\\u202Eep · /);
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText(/routed|direct/);
  await openView(page, 'Path');
  const labels = await page.evaluate(() => window.meshpath?.pathNodes().map((n) => n.label) ?? []);
  expect(labels.filter((l) => /[\u202E\u200B]/.test(l))).toEqual([]);
  expect(labels.find((l) => l.includes('default/sle\\u202Eep'))).toBeDefined();
  await screenshot(page, 'names-path-1440');
  await page.setViewportSize({ width: 1280, height: 720 });
  await screenshot(page, 'names-path-1280');

  // The Mesh view: the objects list and the selected object's panel write the names out too.
  await openView(page, 'Mesh');
  const objects = page.getByRole('list', { name: 'Mesh objects' });
  await expect(objects).not.toContainText(/[\u202E\u200B]/);
  // The list sits behind the graph for keyboard users: select by focus and Enter, as they do.
  await objects.getByRole('button', { name: 'Pod default/sle\\u202Eep', exact: true }).focus();
  await page.keyboard.press('Enter');
  const details = page.getByRole('complementary', { name: 'Selected object' });
  await expect(details).toContainText('Pod default/sle\\u202Eep');
  await expect(details).not.toContainText(/[\u202E\u200B]/);
  await openView(page, 'Path');

  // The Certificates are one note in the Problems list, at the first one.
  const problems = page.getByRole('list', { name: 'Problem list' });
  await expect(problems).toContainText(
    'Meshpath does not know the kind Certificate (cert-manager.io/v1): 2 objects are listed but not used; ' +
      'this is the first.',
  );
  await expect(problems.getByText(/does not know the kind/)).toHaveCount(1);
  await screenshot(page, 'names-problems-1280');
});
