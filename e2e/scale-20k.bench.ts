// `npm run bench:browser`: a 20,000-object export (about 31 MB, one document per object) analysed in the app, as a
// user meets it. Prints figures and asserts only that the app answers; not part of `npm test` (it takes minutes).
import { generateClusterExport } from '../src/cli/realisticExport.ts';
import { expect, openApp, setEditorText, test } from './fixtures.ts';
import { installProbe, longTasksSince, now } from './probe.ts';

test.use({ trace: 'off' });

function report(name: string, value: string): void {
  test.info().annotations.push({ type: name, description: value });
  console.log(`[bench:browser] ${name}: ${value}`);
}

test('a 20,000-object export: loading, typing a destination, typing in the editor', async ({ page }) => {
  test.setTimeout(900_000);
  const objects = Number(process.env.MESHPATH_BENCH_OBJECTS ?? 20_000);
  const cluster = generateClusterExport(objects);
  report('input', `${cluster.objects} objects, ${(cluster.text.length / 1e6).toFixed(1)} MB`);
  await installProbe(page);
  await openApp(page);
  const outcome = page.getByRole('status', { name: 'Outcome' });
  const routedTo = (app: string) => `outbound|80||${cluster.serviceHost('team-0', app)}`;

  // The request is set first, so that the first analysis of the export answers it.
  await page.getByRole('combobox', { name: 'Source pod' }).fill(cluster.sourcePod);
  const destination = page.getByRole('combobox', { name: 'Destination' });
  await destination.fill(`http://${cluster.serviceHost('team-0', 'app-3')}/`);
  const loadStart = await now(page);
  await setEditorText(page, cluster.text);
  await expect(outcome).toContainText(routedTo('app-3'), { timeout: 600_000 });
  await expect(outcome).not.toHaveClass(/stale/, { timeout: 600_000 });
  const firstOutcome = await page.evaluate(
    ({ from, text }) =>
      window.meshpathProbe?.outcomeChanges.find((c) => c.at >= from && !c.stale && c.text.includes(text))?.at,
    { from: loadStart, text: routedTo('app-3') },
  );
  report('text set → first outcome', firstOutcome ? `${Math.round(firstOutcome - loadStart)} ms` : 'n/a');
  const loading = await longTasksSince(page, loadStart);
  report('longest main-thread task while loading', `${loading.longest} ms (${loading.count} tasks over 50 ms)`);

  // A new destination typed key by key.
  const typed = cluster.serviceHost('team-0', 'app-5');
  const typingStart = await now(page);
  await destination.click();
  await destination.press('ControlOrMeta+A');
  await destination.press('Delete');
  await destination.pressSequentially(`http://${typed}/`, { delay: 40 });
  await expect(outcome).toContainText(routedTo('app-5'), { timeout: 120_000 });
  await expect(outcome).not.toHaveClass(/stale/, { timeout: 120_000 });
  const answered = await page.evaluate((text) => {
    const probe = window.meshpathProbe;
    const lastKeyAt = probe?.lastKeyAt ?? 0;
    return (
      (probe?.outcomeChanges.find((c) => c.at >= lastKeyAt && !c.stale && c.text.includes(text))?.at ?? 0) - lastKeyAt
    );
  }, routedTo('app-5'));
  report('last keystroke in Destination → new outcome', `${Math.round(answered)} ms`);
  const form = await longTasksSince(page, typingStart);
  report('longest main-thread task while typing the destination', `${form.longest} ms (${form.count} over 50 ms)`);

  // A comment line typed at the top of the editor: each keystroke is an edit of the export.
  const editorStart = await now(page);
  await page
    .locator('.monaco-editor .view-line')
    .first()
    .click({ position: { x: 4, y: 4 } });
  await page.keyboard.press('ControlOrMeta+Home');
  await page.keyboard.type('# checked before the rollout', { delay: 40 });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  const lastKey = await page.evaluate(() => window.meshpathProbe?.lastKeyAt ?? 0);
  await expect
    .poll(() => page.evaluate(() => window.meshpath?.getText().startsWith('# checked before the rollout')))
    .toBe(true);
  await expect(outcome).toContainText(routedTo('app-5'));
  await expect(outcome).not.toHaveClass(/stale/, { timeout: 300_000 });
  report('last keystroke in the editor → outcome no longer stale', `${Math.round((await now(page)) - lastKey)} ms`);
  const editor = await longTasksSince(page, editorStart);
  report('longest main-thread task while typing in the editor', `${editor.longest} ms (${editor.count} over 50 ms)`);
});
