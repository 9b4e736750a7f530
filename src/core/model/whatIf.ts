import type { MeshModel, OutboundTrafficPolicyMode, PodModel } from './mesh.ts';
import { DerivedCache } from './memo.ts';

/** The modes a what-if can set: the mesh config's three (ALLOW_ANY_DYNAMIC_DNS is ALLOW_ANY plus its flag). */
export type WhatIfOutboundTrafficPolicy = OutboundTrafficPolicyMode | 'ALLOW_ANY_DYNAMIC_DNS';

/** What-if settings a user can try without editing the manifests. */
export interface WhatIf {
  /** The mesh's outboundTrafficPolicy mode instead of the one the mesh config sets. */
  outboundTrafficPolicy?: WhatIfOutboundTrafficPolicy;
  /** The client proxy's DNS capture on or off instead of what its pod says. */
  dnsCapture?: boolean;
}

const byPolicy = new DerivedCache<MeshModel, WhatIfOutboundTrafficPolicy, MeshModel>();
// Per analysed model, the derived models of the 4 client pods last traced with a DNS capture setting.
const byClient = new DerivedCache<MeshModel, PodModel, Map<string, { model: MeshModel; client: PodModel }>>(4);

/**
 * The model and client pod a trace runs on: the analysed ones with the what-if settings applied. The same settings give
 * the same objects back, so what is memoized per model and pod (registry, scope inputs, proxy configs) serves the next
 * request with the same settings; without settings the analysed model and pod themselves are used.
 */
export function applyWhatIf(
  model: MeshModel,
  client: PodModel,
  whatIf: WhatIf,
): { model: MeshModel; client: PodModel } {
  const policy = whatIf.outboundTrafficPolicy;
  const withPolicy = policy
    ? byPolicy.get(model, policy, () => ({
        ...model,
        meshConfig: {
          ...model.meshConfig,
          outboundTrafficPolicy: policy === 'REGISTRY_ONLY' ? policy : 'ALLOW_ANY',
          allowAnyDynamicDns: policy === 'ALLOW_ANY_DYNAMIC_DNS',
        },
      }))
    : model;
  const dnsCapture = whatIf.dnsCapture;
  if (dnsCapture === undefined || client.proxy.kind === 'none') return { model: withPolicy, client };
  const bySettings = byClient.get(model, client, () => new Map());
  const key = `${policy ?? ''}|${dnsCapture}`;
  let derived = bySettings.get(key);
  if (!derived) {
    const changed: PodModel = { ...client, proxy: { ...client.proxy, dnsCapture } };
    derived = {
      model: { ...withPolicy, pods: withPolicy.pods.map((p) => (p === client ? changed : p)) },
      client: changed,
    };
    bySettings.set(key, derived);
  }
  return derived;
}
