import { labelsMatch } from './labels.ts';
import type { MeshModel, PodModel } from './mesh.ts';

/**
 * The pod a user means by `namespace/name`: the pod itself, else the first pod of a workload with that name, else of a
 * workload whose generated pod names start with it (`sleep-7f8d9c5b6-xk2p4` for Deployment sleep), else the first pod a
 * Service of that name selects. Meshpath makes pods from templates with its own names, so all of these find it.
 */
/** Why a pod reference finds nothing, listing the pods there are. */
export function unknownPodReason(model: MeshModel, ref: string): string {
  const known = model.pods.map((p) => `${p.namespace}/${p.name}`);
  return `No pod ${ref} in the manifests.${known.length > 0 ? ` Pods: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''}` : ''}`;
}

export function findPodByRef(model: MeshModel, ref: string): PodModel | undefined {
  const [namespace, name = ''] = ref.includes('/') ? ref.split('/', 2) : ['default', ref];
  const pods = model.pods.filter((p) => p.namespace === namespace);
  const exact = pods.find((p) => p.name === name);
  if (exact) return exact;
  const byOwner = pods.find((p) => p.owner?.name === name);
  if (byOwner) return byOwner;
  const byPrefix = pods
    .filter((p) => p.owner && name.startsWith(`${p.owner.name}-`))
    .sort((a, b) => (b.owner?.name.length ?? 0) - (a.owner?.name.length ?? 0))[0];
  if (byPrefix) return byPrefix;
  const service = model.services.find((s) => s.namespace === namespace && s.name === name);
  if (service?.selector && service.selector.size > 0) {
    const selector = service.selector;
    return pods.find((p) => labelsMatch(selector, p.labels));
  }
  return undefined;
}
