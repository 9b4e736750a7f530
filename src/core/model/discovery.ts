/**
 * MeshConfig `discoverySelectors`: istiod watches only the namespaces whose labels match one of the selectors
 * (pkg/kube/namespace/filter.go: discoveryNamespacesFilter; no selector means every namespace). Services, their
 * endpoints and every namespaced Istio and Gateway API config object are read through that filter
 * (pilot/pkg/bootstrap/server.go: SetObjectFilter; pilot/pkg/config/kube/crdclient/client.go: addCRD), so what lives
 * in another namespace does not exist for istiod. The root namespace gets no exception.
 */
import { selectorMatches } from './labels.ts';
import { derivedFrom } from './memo.ts';
import type { MeshModel } from './mesh.ts';

const discovered = new WeakMap<MeshModel, { namespaces: ReadonlySet<string> | undefined }>();

/** The namespaces istiod discovers, or undefined when it discovers them all. */
export function discoveredNamespaces(model: MeshModel): ReadonlySet<string> | undefined {
  return derivedFrom(discovered, model, () => {
    const selectors = model.meshConfig.discoverySelectors;
    if (!selectors || selectors.length === 0) return { namespaces: undefined };
    const out = new Set<string>();
    for (const [name, ns] of model.namespaces)
      if (selectors.some((selector) => selectorMatches(selector, ns.labels))) out.add(name);
    return { namespaces: out };
  }).namespaces;
}

const views = new WeakMap<MeshModel, MeshModel>();

/**
 * The model as istiod sees it: Services, EndpointSlices, Ingresses and Istio config of namespaces it does not
 * discover are left out (pods stay: they run whatever istiod knows). The same model gives back the same view.
 */
export function discoveryView(model: MeshModel): MeshModel {
  return derivedFrom(views, model, () => {
    const namespaces = discoveredNamespaces(model);
    if (!namespaces) return model;
    const keep = (ns: string | undefined) => ns === undefined || ns === '' || namespaces.has(ns);
    return {
      ...model,
      services: model.services.filter((s) => keep(s.namespace)),
      endpointSlices: model.endpointSlices.filter((s) => keep(s.namespace)),
      ingresses: model.ingresses.filter((i) => keep(i.namespace)),
      istio: new Map([...model.istio].map(([kind, configs]) => [kind, configs.filter((c) => keep(c.namespace))])),
    };
  });
}

/** Whether istiod discovers a namespace. */
export function isDiscovered(model: MeshModel, namespace: string): boolean {
  return discoveredNamespaces(model)?.has(namespace) ?? true;
}
