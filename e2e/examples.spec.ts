import { readdirSync, readFileSync } from 'node:fs';
import { expect, openView, screenshot, setEditorText, test, waitForApp } from './fixtures.ts';

interface ExampleFile {
  id: string;
  title: string;
  expect: { outcome: string; status: number | null; cluster?: string };
}

const root = new URL('../fixtures/scenarios/', import.meta.url);
const examples: ExampleFile[] = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => JSON.parse(readFileSync(new URL(`${d.name}/example.json`, root), 'utf8')) as ExampleFile);

for (const example of examples) {
  test(`example ${example.id} opens by URL and shows ${example.expect.outcome}`, async ({ page }) => {
    await page.goto(`/#example=${example.id}`);
    await waitForApp(page);
    const outcome = page.getByRole('status', { name: 'Outcome' });
    await expect(outcome).toContainText(example.expect.outcome);
    await expect(outcome.locator('.outcome-status')).toHaveText(
      example.expect.status !== null ? new RegExp(`^${example.expect.status}\\b`) : /^(no HTTP status|[A-Z]+)$/,
    );
    if (example.expect.cluster) await expect(outcome).toContainText(example.expect.cluster);
    await openView(page, 'Path');
    await screenshot(page, `example-${example.id}`);
  });
}

test('every example is in the menu with a one-line description, and opens from it', async ({ page }) => {
  await page.goto('/');
  await waitForApp(page);
  await page.getByRole('button', { name: 'Examples ▾' }).click();
  const items = page.getByRole('menuitem');
  await expect(items).toHaveCount(examples.length);
  await expect(page.getByRole('menu', { name: 'Examples' })).toContainText('Egress through the egress gateway');
  await page.getByRole('menuitem', { name: /Egress through the egress gateway/ }).click();
  await expect(page.getByRole('status', { name: 'Outcome' })).toContainText('outbound|80||google.com');
  await screenshot(page, 'examples-egress');
});

test('a first visit shows a short guided tour that stays dismissed', async ({ page }) => {
  await page.goto('/');
  await waitForApp(page);
  const tour = page.getByRole('region', { name: 'Guided tour' });
  await expect(tour).toContainText('1/3');
  await tour.getByRole('button', { name: 'Next' }).click();
  await expect(tour).toContainText('Source pod');
  await tour.getByRole('button', { name: 'Skip tour' }).click();
  await expect(tour).toHaveCount(0);
  await page.reload();
  await waitForApp(page);
  await expect(page.getByRole('region', { name: 'Guided tour' })).toHaveCount(0);
});

test('edits made after opening an example by link survive a reload; a bad link says so, keeps the saved text', async ({
  page,
}) => {
  await page.goto('/#example=registry-only');
  await waitForApp(page);
  const edited = `${await page.evaluate(() => window.meshpath?.getText() ?? '')}\n# my edit\n`;
  await setEditorText(page, edited);
  // The link no longer describes the screen, so it leaves the address bar.
  await expect.poll(() => new URL(page.url()).hash).toBe('');
  await page.reload();
  await waitForApp(page);
  await expect.poll(() => page.evaluate(() => window.meshpath?.getText())).toBe(edited);

  for (const [hash, message] of [
    ['#v1=Y.00000000', 'damaged'],
    ['#v2=Y.00000000', 'damaged'],
    [`#v2=${'A'.repeat(70_000)}.00000000`, 'at most 65,536 characters'],
    ['#example=%E0', 'no example named'],
    ['#example=no-such-example', 'no example named “no-such-example”'],
  ] as const) {
    await page.goto(`/${hash}`);
    await page.reload();
    await waitForApp(page);
    await expect(page.getByRole('alert', { name: 'Notice' })).toContainText(message);
    expect(await page.evaluate(() => window.meshpath?.getText())).toBe(edited);
  }
});
