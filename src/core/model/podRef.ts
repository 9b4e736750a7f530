import { labelsMatch } from './labels.ts';
import type { MeshModel, PodModel } from './mesh.ts';

/** Which rule found the pod a reference means, in the order they are tried. */
export type PodRefRule = 'name' | 'workload' | 'generatedName' | 'label' | 'service';

/** What a reference typed by a user (`sleep`, `deploy/sleep`, `default/sleep-7d9c8d7b6-abcde`) finds. */
export interface PodLookup {
  /** The pod the reference means: the only fit, or the first pod of the only workload that fits. */
  pod: PodModel | undefined;
  rule: PodRefRule | undefined;
  /** When pods of several workloads fit: one pod per workload, for the user to pick. */
  choices: PodModel[];
  /** How the reference was read, when it was not an exact `namespace/name` (for the user to see what was taken). */
  note: string | undefined;
}

/** kubectl's resource words a user may put before a name (`kubectl exec deploy/sleep`). */
const KIND_WORDS = new Set([
  'po',
  'pod',
  'pods',
  'deploy',
  'deployment',
  'deployments',
  'sts',
  'statefulset',
  'statefulsets',
  'ds',
  'daemonset',
  'daemonsets',
  'rs',
  'replicaset',
  'replicasets',
  'job',
  'jobs',
  'svc',
  'service',
  'services',
]);

/**
 * The labels that name an application (`kubectl get pods -l app=sleep`); a Gateway API Gateway's name finds the pod
 * istiod deploys for it (kube-gateway.yaml labels it gateway.networking.k8s.io/gateway-name).
 */
const APP_LABELS = ['app', 'app.kubernetes.io/name', 'gateway.networking.k8s.io/gateway-name'];

/** What a controller adds to a workload's name to name a pod: `-7d9c8d7b6-abcde` (Deployment), `-abcde`, `-0`. */
const GENERATED_SUFFIX = /^(?:[a-z0-9]{5,10}-)?[a-z0-9]{5}$|^\d+$/;

const RULE_WORDS: Record<PodRefRule, string> = {
  name: 'pod name',
  workload: 'workload',
  generatedName: 'generated pod name',
  label: 'app label',
  service: 'Service selector',
};

function podKey(pod: PodModel): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The workload a pod belongs to, as far as its name tells: pods of one workload are one choice. */
function workloadKey(pod: PodModel): string {
  if (pod.owner) return `${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`;
  const dash = pod.name.indexOf('-');
  for (let i = dash; i > 0; i = pod.name.indexOf('-', i + 1)) {
    if (GENERATED_SUFFIX.test(pod.name.slice(i + 1))) return `${pod.namespace}/${pod.name.slice(0, i)}`;
  }
  return podKey(pod);
}

function fitsRule(pod: PodModel, name: string, rule: PodRefRule): boolean {
  switch (rule) {
    case 'name':
      return pod.name === name;
    case 'workload':
      return pod.owner?.name === name;
    case 'generatedName':
      return (
        (pod.name.startsWith(`${name}-`) && GENERATED_SUFFIX.test(pod.name.slice(name.length + 1))) ||
        // A pod name from the cluster, for a pod Meshpath made from its workload's template.
        (pod.owner !== undefined && name.startsWith(`${pod.owner.name}-`))
      );
    case 'label':
      return APP_LABELS.some((label) => pod.labels.get(label) === name);
    case 'service':
      return false;
  }
}

function describeFit(pod: PodModel, name: string, rule: PodRefRule): string {
  switch (rule) {
    case 'label': {
      const label = APP_LABELS.find((l) => pod.labels.get(l) === name) ?? 'app';
      return `label ${label}: ${name}`;
    }
    case 'workload':
      return `${pod.owner?.kind ?? 'workload'} ${pod.owner?.name ?? name}`;
    case 'service':
      return `selected by Service ${name}`;
    default:
      return RULE_WORDS[rule];
  }
}

/**
 * Reads a reference as `kubectl` users write it: `namespace/name`, a bare name in any namespace, `deploy/name`; the
 * name may be a pod's, its workload's, a pod name's prefix before the generated `-<hash>`, an `app` or
 * `app.kubernetes.io/name` label value, or a Service's. The rules are tried in that order and the first that fits
 * decides; pods of several workloads fitting the same rule are choices rather than a guess.
 */
export function lookupPod(model: MeshModel, ref: string): PodLookup {
  const text = ref.trim();
  const none: PodLookup = { pod: undefined, rule: undefined, choices: [], note: undefined };
  if (text === '') return none;
  const parts = text.split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) return none;
  const namespaces = new Set(model.pods.map((p) => p.namespace));
  let namespace: string | undefined;
  let name: string;
  let note: string | undefined;
  if (parts.length === 3) {
    // namespace/kind/name
    namespace = parts[0];
    name = parts[2] ?? '';
  } else if (parts.length === 2) {
    const [first = '', second = ''] = parts;
    name = second;
    if (namespaces.has(first) || !KIND_WORDS.has(first.toLowerCase())) namespace = first;
  } else {
    name = parts[0] ?? '';
  }
  if (namespace !== undefined && !namespaces.has(namespace)) {
    // A source from earlier manifests: the same name in another namespace is most likely what the user means.
    note = `No pods in namespace ${namespace}`;
    namespace = undefined;
  }
  const pods = namespace === undefined ? model.pods : model.pods.filter((p) => p.namespace === namespace);
  const exact = namespace !== undefined && parts.length === 2;
  for (const rule of ['name', 'workload', 'generatedName', 'label', 'service'] as const) {
    const fits =
      rule === 'service' ? podsOfService(model, pods, namespace, name) : pods.filter((p) => fitsRule(p, name, rule));
    if (fits.length === 0) continue;
    const byWorkload = new Map<string, PodModel>();
    for (const pod of fits) if (!byWorkload.has(workloadKey(pod))) byWorkload.set(workloadKey(pod), pod);
    const choices = [...byWorkload.values()];
    if (choices.length > 1) {
      return {
        pod: undefined,
        rule,
        choices,
        note: `${text} fits pods of ${choices.length} workloads (${RULE_WORDS[rule]}): pick one`,
      };
    }
    const pod = choices[0];
    if (!pod) continue;
    const said =
      exact && rule === 'name'
        ? note
        : `${note ? `${note}; ` : ''}${text} is ${podKey(pod)} (${describeFit(pod, name, rule)})`;
    return { pod, rule, choices: [], note: said };
  }
  return { ...none, note };
}

function podsOfService(
  model: MeshModel,
  pods: readonly PodModel[],
  namespace: string | undefined,
  name: string,
): PodModel[] {
  const services = model.services.filter(
    (s) => s.name === name && (namespace === undefined || s.namespace === namespace),
  );
  return services.flatMap((service) => {
    const selector = service.selector;
    if (!selector || selector.size === 0) return [];
    return pods.filter((p) => p.namespace === service.namespace && labelsMatch(selector, p.labels));
  });
}

/** The pod a reference means, when exactly one workload fits it (see lookupPod). */
export function findPodByRef(model: MeshModel, ref: string): PodModel | undefined {
  return lookupPod(model, ref).pod;
}

/** Why a pod reference finds no single pod: the pods that fit, else the pods there are. */
export function unknownPodReason(model: MeshModel, ref: string): string {
  const lookup = lookupPod(model, ref);
  if (lookup.choices.length > 1) {
    const listed = lookup.choices.slice(0, 12).map(podKey);
    const rule = lookup.rule ? RULE_WORDS[lookup.rule] : 'name';
    const more = lookup.choices.length > 12 ? ', …' : '';
    return `${ref} fits several pods (${rule}): ${listed.join(', ')}${more}. Name one as namespace/pod.`;
  }
  const known = model.pods.map(podKey);
  const listed = `${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}`;
  return `No pod ${ref} in the manifests.${known.length > 0 ? ` Pods: ${listed}` : ''}`;
}
