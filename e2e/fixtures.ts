import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Every browser test runs with a guard: any request that is not to the local preview server (from the page or any of
 * its workers) is blocked and fails the test, and so do any uncaught error in the page and any Content-Security-Policy
 * violation.
 */
export const test = base.extend<{ networkGuard: { requests: string[]; errors: string[]; violations: string[] } }>({
  networkGuard: [
    async ({ context, baseURL }, use) => {
      const violations: string[] = [];
      await context.exposeBinding('__meshpathCspViolation', (_source, text: string) => {
        violations.push(text);
      });
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          const report = (window as unknown as { __meshpathCspViolation?: (text: string) => void })
            .__meshpathCspViolation;
          report?.(
            `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ` +
              `(${event.sourceFile}:${event.lineNumber})`,
          );
        });
      });
      const local = new URL(baseURL ?? 'http://127.0.0.1:4179');
      const requests: string[] = [];
      const errors: string[] = [];
      const isLocal = (url: string): boolean => {
        const parsed = new URL(url);
        if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true;
        return (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost') && parsed.port === local.port;
      };
      context.on('request', (request) => {
        if (!isLocal(request.url())) requests.push(request.url());
      });
      await context.route('**/*', (route) =>
        isLocal(route.request().url()) ? route.continue() : route.abort('blockedbyclient'),
      );
      const watch = (page: Page) => page.on('pageerror', (error) => errors.push(String(error)));
      context.pages().forEach(watch);
      context.on('page', watch);
      await use({ requests, errors, violations });
      expect(requests, 'requests that left the local server').toEqual([]);
      expect(errors, 'uncaught errors in the page').toEqual([]);
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens the app with an empty local storage (a first visit) and waits until Monaco and the graph are drawn. */
export async function openApp(page: Page): Promise<void> {
  await page.goto('/');
  await waitForApp(page);
}

export async function waitForApp(page: Page): Promise<void> {
  await expect(page.locator('.monaco-editor .view-lines')).toBeVisible();
  await expect(page.getByRole('status', { name: 'Outcome' })).toBeVisible();
}

/** Opens a view tab on the right: Path, Mesh or Proxy config. */
export async function openView(page: Page, name: 'Path' | 'Mesh' | 'Proxy config'): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  if (name === 'Mesh')
    await page.waitForFunction(
      () => (window.meshpath?.graphNodeIds().length ?? 0) > 0 && !window.meshpath?.graphDrawing(),
    );
  if (name === 'Path') await page.waitForFunction(() => (window.meshpath?.pathNodeIds().length ?? 0) > 0);
}

export async function setEditorText(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => window.meshpath?.setText(t), text);
}

export async function graphNodeIds(page: Page): Promise<string[]> {
  return page.evaluate(() => window.meshpath?.graphNodeIds() ?? []);
}

export async function pathNodeIds(page: Page): Promise<string[]> {
  return page.evaluate(() => window.meshpath?.pathNodeIds() ?? []);
}

/** Clicks a node of the Mesh or Path canvas where Cytoscape drew it (canvas nodes are not in the DOM). */
export async function clickGraphNode(page: Page, graph: 'Mesh' | 'Path', id: string): Promise<void> {
  const where = () =>
    page.evaluate(
      ({ graph, id }) =>
        (graph === 'Mesh' ? window.meshpath?.nodePosition(id) : window.meshpath?.pathNodePosition(id)) ?? null,
      { graph, id },
    );
  await expect.poll(where).not.toBeNull();
  const position = await where();
  const box = await page.getByTestId(graph === 'Mesh' ? 'graph' : 'path-graph').boundingBox();
  if (!position || !box) throw new Error(`the ${graph} graph is not drawn`);
  await page.mouse.click(box.x + position.x, box.y + position.y);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync('e2e/screenshots', { recursive: true });
  const path = `e2e/screenshots/${name}.png`;
  await page.screenshot({ path });
  return path;
}

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The serious and critical accessibility violations axe-core finds on the page as it is (or inside `within`). */
export async function seriousViolations(page: Page, within?: string): Promise<string[]> {
  // Served from the page's own origin, so the app's Content-Security-Policy (script-src 'self') lets it run.
  await page.route('**/__axe.min.js', (route) => route.fulfill({ path: axePath, contentType: 'text/javascript' }));
  await page.addScriptTag({ url: '/__axe.min.js' });
  return page.evaluate(async (selector) => {
    const axe = (window as unknown as { axe: { run: (context: Document | string) => Promise<AxeResults> } }).axe;
    const results = await axe.run(selector ?? document);
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, within);
}

interface AxeResults {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }>;
}
