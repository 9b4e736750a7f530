import { field } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, PodModel } from '../model/mesh.ts';

/** The policy's targetRefs, or its legacy targetRef (pilot/pkg/model/policyattachment.go: GetTargetRefs). */
export function targetRefsOf(policy: IstioConfigModel): unknown[] {
  const refs = field(policy.spec, 'targetRefs');
  if (Array.isArray(refs) && refs.length > 0) return refs;
  const single = field(policy.spec, 'targetRef');
  return single !== undefined ? [single] : [];
}

/**
 * Whether an AuthorizationPolicy or RequestAuthentication of the root namespace or the pod's own applies to a sidecar
 * or gateway pod: by `selector` (none: every pod) when it has no targetRefs; by targetRefs only on a Gateway API
 * gateway, naming its Gateway from the policy's own namespace (pilot/pkg/model/policyattachment.go:
 * ShouldAttachPolicy).
 */
export function attachesToWorkload(policy: IstioConfigModel, pod: PodModel, rootNamespace: string): boolean {
  if (policy.namespace !== rootNamespace && policy.namespace !== pod.namespace) return false;
  const refs = targetRefsOf(policy);
  if (refs.length === 0)
    return labelsMatch(toStringMap(field(field(policy.spec, 'selector'), 'matchLabels')), pod.labels);
  const gatewayName = pod.labels.get('gateway.networking.k8s.io/gateway-name');
  if (gatewayName === undefined || policy.namespace !== pod.namespace) return false;
  return refs.some((ref) => {
    const namespace = field(ref, 'namespace');
    return (
      field(ref, 'kind') === 'Gateway' &&
      field(ref, 'group') === 'gateway.networking.k8s.io' &&
      field(ref, 'name') === gatewayName &&
      (namespace === undefined || namespace === '' || namespace === pod.namespace)
    );
  });
}
