// Measures the page as a user feels it: main-thread long tasks, keystrokes, and each change of the Outcome banner.
import type { Page } from '@playwright/test';

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
