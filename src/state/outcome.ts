import type { Outcome } from '../core/index.ts';

const SUCCESS: ReadonlySet<Outcome> = new Set(['routed', 'passthrough', 'direct', 'redirect', 'direct-response']);

/** Whether an outcome means the request got an answer the mesh meant to give (drawn green). */
export function isSuccess(outcome: Outcome): boolean {
  return SUCCESS.has(outcome);
}
