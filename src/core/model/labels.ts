import { field, isRecord } from '../manifest/parse.ts';

/**
 * A Kubernetes label selector (matchLabels and matchExpressions), as workloads, Services and Istio's workloadSelector
 * use it (k8s.io/apimachinery/pkg/apis/meta/v1: LabelSelectorAsSelector).
 */
export interface LabelSelector {
  matchLabels: Map<string, string>;
  matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
}

export function toStringMap(value: unknown): Map<string, string> {
  const result = new Map<string, string>();
  if (!isRecord(value)) return result;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item === 'string') result.set(key, item);
  }
  return result;
}

export function readLabelSelector(value: unknown): LabelSelector {
  const matchExpressions: LabelSelector['matchExpressions'] = [];
  const expressions = field(value, 'matchExpressions');
  if (Array.isArray(expressions)) {
    for (const expression of expressions) {
      const key = field(expression, 'key');
      const operator = field(expression, 'operator');
      const values = field(expression, 'values');
      if (typeof key === 'string' && typeof operator === 'string') {
        matchExpressions.push({
          key,
          operator,
          values: Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [],
        });
      }
    }
  }
  return { matchLabels: toStringMap(field(value, 'matchLabels')), matchExpressions };
}

/** True when every label in `selector` is on `labels` with the same value. An empty selector matches everything. */
export function labelsMatch(selector: ReadonlyMap<string, string>, labels: ReadonlyMap<string, string>): boolean {
  for (const [key, value] of selector) if (labels.get(key) !== value) return false;
  return true;
}

export function selectorMatches(selector: LabelSelector, labels: ReadonlyMap<string, string>): boolean {
  if (!labelsMatch(selector.matchLabels, labels)) return false;
  return selector.matchExpressions.every(({ key, operator, values }) => {
    const value = labels.get(key);
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

export function selectorIsEmpty(selector: LabelSelector): boolean {
  return selector.matchLabels.size === 0 && selector.matchExpressions.length === 0;
}
