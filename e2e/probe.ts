// Measures the page as a user feels it: main-thread long tasks, keystrokes, and each change of the Outcome banner.
import type { Browser, Page } from '@playwright/test';

interface Probe {
  longTasks: Array<{ start: number; duration: number }>;
  outcomeChanges: Array<{ at: number; text: string; stale: boolean }>;
  lastKeyAt: number;
}

declare global {
  interface Window {
    meshpathProbe?: Probe;
  }
}

/** Records main-thread long tasks, keystrokes and every change of the Outcome banner, with the page's clock. */
export async function installProbe(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const probe: Probe = { longTasks: [], outcomeChanges: [], lastKeyAt: 0 };
    window.meshpathProbe = probe;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    window.addEventListener('keydown', () => (probe.lastKeyAt = performance.now()), true);
    const watch = () => {
      const outcome = document.querySelector('[aria-label="Outcome"]');
      if (!outcome) return void requestAnimationFrame(watch);
      new MutationObserver(() =>
        probe.outcomeChanges.push({
          at: performance.now(),
          text: outcome.textContent ?? '',
          stale: outcome.classList.contains('stale'),
        }),
      ).observe(outcome, { subtree: true, childList: true, characterData: true, attributes: true });
    };
    document.addEventListener('DOMContentLoaded', watch);
  });
}

export const now = (page: Page) => page.evaluate(() => performance.now());

/** The longest main-thread task since `from` (page clock), in ms, and how many tasks took over 50 ms. */
export async function longTasksSince(page: Page, from: number): Promise<{ longest: number; count: number }> {
  const tasks = await page.evaluate((t) => window.meshpathProbe?.longTasks.filter((x) => x.start >= t) ?? [], from);
  return { longest: Math.round(Math.max(0, ...tasks.map((t) => t.duration))), count: tasks.length };
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * The page's main-thread tasks over 50 ms in a Chromium trace, with the CPU time each one got: on a machine shared by
 * several processes a task's wall time includes the time its thread waited for a core.
 */
export async function tracedTasks(browser: Browser): Promise<string> {
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  const main = trace.traceEvents.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const isMain = (e: TraceEvent) => main.some((m) => m.pid === e.pid && m.tid === e.tid);
  const isTask = (e: TraceEvent) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask';
  const tasks = trace.traceEvents.filter((e) => isTask(e) && e.ph === 'X' && (e.dur ?? 0) > 50_000);
  const long = tasks.filter(isMain).sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0));
  const ms = (us: number | undefined) => Math.round((us ?? 0) / 1000);
  const cpuOver50 = long.filter((e) => (e.tdur ?? 0) > 50_000).length;
  const list = long.slice(0, 12).map((e) => `${ms(e.dur)} (CPU ${ms(e.tdur)})`);
  return `${long.length} over 50 ms of wall time, ${cpuOver50} over 50 ms of CPU time; longest: ${list.join(', ')}`;
}
