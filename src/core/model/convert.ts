import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import type { LineIndex } from '../manifest/lineIndex.ts';
import { field, parseEmbeddedYaml, stringField, type ManifestObject } from '../manifest/parse.ts';
import { ObjectReader } from '../manifest/reader.ts';
import type { Diagnostic } from '../manifest/diagnostic.ts';
import { decideDataPlane } from '../ambient/enrolment.ts';
import { waypointsFromManifests } from '../ambient/index.ts';
import { AddressAllocator, safeSuffix } from './allocate.ts';
import { derivedFrom } from './memo.ts';
import { creationOrder, creationTime } from './creation.ts';
import { readIstioConfig } from './istio.ts';
import {
  labelIndexByNamespace,
  readLabelSelector,
  selectorIsEmpty,
  selectorMatches,
  type LabelSelector,
} from './labels.ts';
import type {
  Assumption,
  EndpointSliceModel,
  IngressModel,
  IstioConfigModel,
  MeshModel,
  NamespaceModel,
  ObjectSource,
  PodModel,
  ServiceModel,
} from './mesh.ts';
import { DEFAULT_CLUSTER_DOMAIN } from './host.ts';
import { istioConfigFromIngresses } from './ingress.ts';
import { gatewayApiModel } from '../gatewayapi/index.ts';
import { readMeshConfig } from './meshConfig.ts';
import { readEndpoints, readEndpointSlice, readService } from './services.ts';
import {
  checkProxyConfigAnnotation,
  decideProxy,
  impliedNamespace,
  readCapture,
  readInjectorValues,
  readNamespace,
  readPodTemplate,
  type PodTemplateView,
} from './workloads.ts';

export const ISTIO_CONFIG_KINDS: ReadonlySet<string> = new Set([
  'VirtualService',
  'DestinationRule',
  'ServiceEntry',
  'Sidecar',
  'Gateway',
  'WorkloadEntry',
  'WorkloadGroup',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'RequestAuthentication',
]);

/** Kubernetes' default pod and service ranges (kind, kubeadm), used only for addresses the manifests leave out. */
const POD_CIDR = '10.244.0.0/16';
const SERVICE_CIDR = '10.96.0.0/16';

export function sourceOf(object: ManifestObject): ObjectSource {
  return { kind: object.kind, namespace: object.namespace, name: object.name, file: object.file, range: object.range };
}

const latestOf = new WeakMap<readonly ManifestObject[], ManifestObject[]>();
const modelledOf = new WeakMap<readonly ManifestObject[], ManifestObject[]>();

/** Keeps the last of objects with the same identity, as kubectl apply would; worked out once per parsed list. */
export function latestObjects(objects: readonly ManifestObject[]): readonly ManifestObject[] {
  return derivedFrom(latestOf, objects, keepLatest);
}

function keepLatest(objects: readonly ManifestObject[]): ManifestObject[] {
  const superseded = sameIdentities(objects) ?? supersededPositions(objects);
  supersededOf.set(objects, superseded);
  lastParsed = new WeakRef(objects);
  // A real export names each object once: then every object is kept, with no second pass.
  if (superseded.length === 0) return [...objects];
  const dropped = new Set(superseded);
  return objects.filter((_, position) => !dropped.has(position));
}

const identity = (object: ManifestObject): string => {
  const slash = object.apiVersion.indexOf('/');
  const group = slash < 0 ? object.apiVersion : object.apiVersion.slice(0, slash);
  return `${group}|${object.kind}|${object.namespace ?? ''}|${object.name}`;
};

/** The positions of objects a later one with the same identity replaces. */
function supersededPositions(objects: readonly ManifestObject[]): readonly number[] {
  const lastAt = new Map<string, number>();
  const superseded: number[] = [];
  objects.forEach((object, position) => {
    const key = identity(object);
    const earlier = lastAt.get(key);
    if (earlier !== undefined) superseded.push(earlier);
    lastAt.set(key, position);
  });
  return superseded;
}

/**
 * The last parsed list's replaced positions, kept as long as the list is: an edit that changes a few objects and none
 * of their identities replaces the same positions, which is checked without a key per object.
 */
const supersededOf = new WeakMap<readonly ManifestObject[], readonly number[]>();
let lastParsed: WeakRef<readonly ManifestObject[]> | undefined;

function sameIdentities(objects: readonly ManifestObject[]): readonly number[] | undefined {
  const before = lastParsed?.deref();
  const superseded = before && supersededOf.get(before);
  if (!before || !superseded || before.length !== objects.length) return undefined;
  let changed = 0;
  for (let position = 0; position < objects.length; position++) {
    const object = objects[position] as ManifestObject;
    const old = before[position] as ManifestObject;
    if (object.value === old.value) continue;
    if (++changed > 256 || identity(object) !== identity(old)) return undefined;
  }
  return superseded;
}

/** Forgets the last parsed list (for measuring, or checking, a first read). */
export function forgetLastParsed(): void {
  lastParsed = undefined;
}

/**
 * What one object's fields read as, kept per parsed value: an edit keeps the parsed value of every document whose text
 * did not change, so the next model reads only the changed ones again. Only a read that reported nothing is kept
 * (a diagnostic's line depends on where the object sits in its file); what names the object's place (`source`, its
 * order among the objects) is set again on each use.
 */
const readsOf = new WeakMap<object, Record<string, unknown>>();

function readOnce<T>(object: ManifestObject, key: string, diagnostics: readonly Diagnostic[], read: () => T): T {
  let reads = readsOf.get(object.value);
  const known = reads && Object.hasOwn(reads, key) ? reads[key] : undefined;
  if (known !== undefined) return known as T;
  const before = diagnostics.length;
  const value = read();
  if (diagnostics.length === before) {
    // A plain record, not a Map: one per object of the export, and the keys are a few fixed names.
    if (!reads) readsOf.set(object.value, (reads = {}));
    reads[key] = value;
  }
  return value;
}

interface Workload {
  object: ManifestObject;
  reader: ObjectReader;
  selector: LabelSelector;
}

/**
 * Turns parsed objects into the mesh model, adding diagnostics for fields Kubernetes or istiod would reject.
 * `clusterDomain` is istiod's domain suffix, which names the backends of the VirtualServices derived from Ingresses.
 */
export function buildMeshModel(
  parsed: readonly ManifestObject[],
  lineIndexes: ReadonlyMap<string, LineIndex>,
  diagnostics: Diagnostic[],
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): MeshModel {
  const assumptions: Assumption[] = [];
  const latest = latestObjects(parsed);
  // Kept as long as the parsed objects are, so that the next model (after an edit) can tell what changed.
  const objects = derivedFrom(modelledOf, latest, (all) => all.filter((object) => object.modelled));
  const readers = new Map<ManifestObject, ObjectReader>();
  const readerOf = (object: ManifestObject): ObjectReader => {
    let reader = readers.get(object);
    if (!reader) {
      const lines = lineIndexes.get(object.file);
      if (!lines) throw new Error(`no line index for ${object.file}`);
      reader = new ObjectReader(object, lines, diagnostics);
      readers.set(object, reader);
    }
    return reader;
  };
  const objectsByKind = new Map<string, ManifestObject[]>();
  for (const object of objects) {
    const list = objectsByKind.get(object.kind);
    if (list) list.push(object);
    else objectsByKind.set(object.kind, [object]);
  }
  const byKind = (kind: string): readonly ManifestObject[] => objectsByKind.get(kind) ?? [];

  const meshConfig = readMeshConfig(
    objects
      .filter(
        (object) =>
          object.kind === 'IstioOperator' ||
          (object.kind === 'ConfigMap' && object.name === 'istio') ||
          (object.kind === 'Deployment' && object.name.startsWith('istiod')),
      )
      .map((object) => ({ object, reader: readerOf(object), source: sourceOf(object) })),
  );
  if (!meshConfig.source) {
    assumptions.push({
      code: 'MESH_CONFIG_DEFAULTS',
      message:
        "No mesh config (ConfigMap istio in istio-system, or an IstioOperator): Istio's defaults apply " +
        '(outboundTrafficPolicy ALLOW_ANY, auto mTLS on, root namespace istio-system, no DNS capture).',
      subject: undefined,
    });
  }

  // The injector's values: the istio-sidecar-injector ConfigMap's `values` (JSON) that istiod reads, else an
  // IstioOperator's spec.values (pkg/kube/inject/watcher.go: readConfigMap).
  const injectorMap = byKind('ConfigMap').find((o) => o.name === 'istio-sidecar-injector');
  const injectorValuesText = injectorMap ? readerOf(injectorMap).string(['data', 'values']) : undefined;
  const injectorParsed = injectorValuesText !== undefined ? parseEmbeddedYaml(injectorValuesText) : undefined;
  const operator = byKind('IstioOperator')[0];
  const injectorDefaults =
    injectorMap && injectorParsed?.ok
      ? readInjectorValues(injectorParsed.value, sourceOf(injectorMap))
      : readInjectorValues(
          operator ? field(field(operator.value, 'spec'), 'values') : undefined,
          operator && sourceOf(operator),
        );

  const namespaces = new Map<string, NamespaceModel>();
  for (const object of byKind('Namespace'))
    namespaces.set(object.name, readNamespace(readerOf(object), sourceOf(object)));
  for (const object of objects) {
    if (object.namespaceAssumed) {
      assumptions.push({
        code: 'NAMESPACE_DEFAULTED',
        message: `${object.kind} ${object.name} has no metadata.namespace: assumed "default", as kubectl does.`,
        subject: sourceOf(object),
      });
    }
    if (object.namespace !== undefined && !namespaces.has(object.namespace)) {
      namespaces.set(object.namespace, impliedNamespace(object.namespace));
      assumptions.push({
        code: 'NAMESPACE_IMPLIED',
        message:
          `Namespace ${object.namespace} is not in the manifests: assumed to exist with no labels (so no ` +
          `istio-injection).`,
        subject: sourceOf(object),
      });
    }
  }

  const podAllocator = new AddressAllocator(POD_CIDR, 2);
  const pods: Array<PodModel & { needsIp: boolean }> = [];
  const makePod = (
    object: ManifestObject,
    reader: ObjectReader,
    base: Array<string | number>,
    view: PodTemplateView,
    name: string,
    assumed: boolean,
  ): PodModel & { needsIp: boolean } => {
    const namespace = object.namespace ?? 'default';
    const decision = decideProxy(view, namespace, namespaces.get(namespace), meshConfig);
    const { revisionAssumed, ...proxy } = decision;
    if (revisionAssumed !== undefined) {
      assumptions.push({
        code: 'INJECTION_REVISION_ASSUMED',
        message: `Assumed the control plane revision ${revisionAssumed} is installed and injects ${namespace}/${name}.`,
        subject: sourceOf(object),
      });
    }
    checkProxyConfigAnnotation(reader, base);
    const statusIp = assumed ? undefined : reader.string(['status', 'podIP']);
    if (statusIp) podAllocator.reserve(statusIp);
    // The sidecar injector labels the pods it injects
    // (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml); the gateway template does not.
    const labels =
      proxy.kind === 'sidecar' && !view.proxyContainer && !view.labels.has('security.istio.io/tlsMode')
        ? new Map([...view.labels, ['security.istio.io/tlsMode', 'istio']])
        : view.labels;
    return {
      name,
      namespace,
      labels,
      annotations: view.annotations,
      ip: statusIp ?? '',
      ready: true,
      serviceAccount: view.serviceAccount,
      nodeName: view.nodeName,
      hostname: view.hostname,
      subdomain: view.subdomain,
      hostNetwork: view.hostNetwork,
      ...(view.dns ? { dns: view.dns } : {}),
      containerPorts: view.containerPorts,
      proxy,
      dataPlane: decideDataPlane(
        { labels: view.labels, hostNetwork: view.hostNetwork, proxyKind: proxy.kind, proxyReason: proxy.reason },
        namespaces.get(namespace),
      ),
      capture: readCapture(reader, base, view.annotations, injectorDefaults, view.initArgs),
      assumed,
      owner: assumed ? sourceOf(object) : undefined,
      source: sourceOf(object),
      needsIp: !statusIp,
    };
  };

  for (const object of byKind('Pod')) {
    const reader = readerOf(object);
    const view = readOnce(object, 'pod', diagnostics, () => readPodTemplate(reader, []));
    const pod = makePod(object, reader, [], view, object.name, false);
    const conditions = reader.list(['status', 'conditions']);
    if (reader.get(['status']) === undefined) {
      assumptions.push({
        code: 'POD_READY_ASSUMED',
        message: `Pod ${pod.namespace}/${pod.name} has no status: assumed Running and Ready.`,
        subject: pod.source,
      });
    } else if (conditions.length > 0) {
      const readyIndex = conditions.findIndex(
        (_, index) => reader.get(['status', 'conditions', index, 'type']) === 'Ready',
      );
      pod.ready = readyIndex >= 0 && reader.get(['status', 'conditions', readyIndex, 'status']) === 'True';
    } else if (reader.get(['status', 'phase']) !== undefined) {
      pod.ready = reader.get(['status', 'phase']) === 'Running';
    } else {
      assumptions.push({
        code: 'POD_READY_ASSUMED',
        message: `Pod ${pod.namespace}/${pod.name} has no status.phase or conditions: assumed Running and Ready.`,
        subject: pod.source,
      });
    }
    pods.push(pod);
  }

  // Workloads whose pods are not in the manifests get pods made from their template, clearly marked as assumed.
  const manifestPodsIn = labelIndexByNamespace(
    [...pods],
    (pod) => pod.namespace,
    (pod) => pod.labels,
  );
  const workloads: Workload[] = objects
    .filter((object) => WORKLOAD_KINDS.has(object.kind) && object.kind !== 'Pod')
    .map((object) => ({
      object,
      reader: readerOf(object),
      selector: readLabelSelector(readerOf(object).get(['spec', 'selector'])),
    }));
  const deploymentNames = new Set(byKind('Deployment').map((o) => `${o.namespace}/${o.name}`));
  for (const { object, reader, selector } of workloads) {
    const ownedByDeployment = reader.list(['metadata', 'ownerReferences']).some((owner) => {
      const ownerName = stringField(owner, 'name');
      return (
        field(owner, 'kind') === 'Deployment' &&
        ownerName !== undefined &&
        deploymentNames.has(`${object.namespace}/${ownerName}`)
      );
    });
    if (ownedByDeployment) continue;
    if (reader.get(['spec', 'template']) === undefined) {
      reader.report('error', 'MISSING_FIELD', `${object.kind} ${object.name} has no spec.template.`, ['spec'], true);
      continue;
    }
    const view = readOnce(object, 'template', diagnostics, () => readPodTemplate(reader, ['spec', 'template']));
    if (object.kind !== 'Job' && selectorIsEmpty(selector)) {
      reader.report(
        'error',
        'MISSING_FIELD',
        `${object.kind} ${object.name} has no spec.selector; kubectl rejects it.`,
        ['spec'],
        true,
      );
    } else if (object.kind !== 'Job' && !selectorMatches(selector, view.labels)) {
      reader.report(
        'error',
        'INVALID_VALUE',
        `spec.selector does not match the template's labels; kubectl rejects this ${object.kind}.`,
        ['spec', 'selector'],
      );
    }
    const hasPods =
      object.namespace !== undefined &&
      !selectorIsEmpty(selector) &&
      manifestPodsIn(object.namespace).select(selector).length > 0;
    if (hasPods) continue;
    const replicas =
      object.kind === 'DaemonSet'
        ? 1
        : object.kind === 'Job'
          ? (reader.integer(['spec', 'parallelism']) ?? 1)
          : (reader.integer(['spec', 'replicas']) ?? 1);
    const count = Math.max(0, Math.min(replicas, 10));
    const seed = `${object.namespace}/${object.kind}/${object.name}`;
    const templateHash = safeSuffix(`${seed}/template`, 10);
    for (let i = 0; i < count; i++) {
      const name =
        object.kind === 'StatefulSet'
          ? `${object.name}-${i}`
          : object.kind === 'Deployment'
            ? `${object.name}-${templateHash}-${safeSuffix(`${seed}/${i}`, 5)}`
            : `${object.name}-${safeSuffix(`${seed}/${i}`, 5)}`;
      // K8S: the StatefulSet controller names each pod's host after the pod, in the subdomain of spec.serviceName.
      const podView =
        object.kind === 'Deployment'
          ? { ...view, labels: new Map([...view.labels, ['pod-template-hash', templateHash]]) }
          : object.kind === 'StatefulSet'
            ? { ...view, hostname: name, subdomain: reader.string(['spec', 'serviceName']) ?? view.subdomain }
            : view;
      pods.push(makePod(object, reader, ['spec', 'template'], podView, name, true));
    }
    if (count > 0) {
      assumptions.push({
        code: 'POD_FROM_TEMPLATE',
        message:
          `${object.kind} ${object.namespace}/${object.name} has no Pod in the manifests: ` +
          `assumed ${count} running, ready pod${count > 1 ? 's' : ''} made from its template.`,
        subject: sourceOf(object),
      });
    }
  }
  // Gateway API objects: the gateways istiod deploys get their pods and Services like workloads from templates.
  // Oldest first, where config competes.
  const created = creationOrder(objects);
  const gatewayApi = gatewayApiModel(
    objects,
    readerOf,
    sourceOf,
    clusterDomain,
    meshConfig,
    latest.filter((object) => object.kind === 'Secret'),
    (object) => created.get(object) ?? -1,
  );
  pods.push(...gatewayApi.deployment.pods.map((pod) => ({ ...pod, needsIp: true })));
  assumptions.push(...gatewayApi.deployment.assumptions);
  // Waypoints (ambient): their pods and Services, as istiod's deployment controller makes them.
  const ambient = waypointsFromManifests(latest, readerOf, sourceOf, pods);
  pods.push(...ambient.pods.map((pod) => ({ ...pod, needsIp: true })));
  assumptions.push(...ambient.assumptions);
  for (const pod of pods) {
    if (!pod.needsIp) continue;
    pod.ip = podAllocator.allocate(`${pod.namespace}/${pod.name}`);
    if (!pod.assumed)
      assumptions.push({
        code: 'POD_IP_ASSIGNED',
        message: `Pod ${pod.namespace}/${pod.name} has no status.podIP: assumed ${pod.ip}.`,
        subject: pod.source,
      });
  }

  const services: ServiceModel[] = byKind('Service').map((object) => {
    const read = readOnce(object, 'service', diagnostics, () => readService(readerOf(object), sourceOf(object), -1));
    // A copy: the cluster IP is assigned below.
    return { ...read, order: created.get(object) ?? -1, creationTime: creationTime(object), source: sourceOf(object) };
  });
  services.push(...gatewayApi.deployment.services);
  services.push(...ambient.services);
  const serviceAllocator = new AddressAllocator(SERVICE_CIDR, 11);
  for (const service of services)
    if (service.clusterIP && service.clusterIP !== 'None') serviceAllocator.reserve(service.clusterIP);
  for (const service of services) {
    if (service.type === 'ExternalName' || service.clusterIP !== undefined) continue;
    service.clusterIP = serviceAllocator.allocate(`${service.namespace}/${service.name}`);
    service.clusterIPs = [service.clusterIP];
    assumptions.push({
      code: 'CLUSTER_IP_ASSIGNED',
      message: `Service ${service.namespace}/${service.name} has no spec.clusterIP: assumed ${service.clusterIP}.`,
      subject: service.source,
    });
  }

  const endpointSlices: EndpointSliceModel[] = byKind('EndpointSlice').map((object) => ({
    ...readOnce(object, 'slice', diagnostics, () => readEndpointSlice(readerOf(object), sourceOf(object))),
    source: sourceOf(object),
  }));
  const sliced = new Set(endpointSlices.map((slice) => `${slice.namespace}/${slice.serviceName ?? ''}`));
  // Istio reads only EndpointSlices. Kubernetes mirrors an Endpoints object into one only for a Service without a
  // selector (empty is stored as none), unless skip-mirror or a leader lock (kubernetes
  // pkg/controller/endpointslicemirroring).
  const selectorless = new Set(
    services
      .filter((service) => !service.selector || service.selector.size === 0)
      .map((service) => `${service.namespace}/${service.name}`),
  );
  for (const object of byKind('Endpoints')) {
    const reader = readerOf(object);
    const fromEndpoints = readEndpoints(reader, sourceOf(object));
    const key = `${object.namespace}/${object.name}`;
    const mirrored =
      selectorless.has(key) &&
      reader.stringMap(['metadata', 'labels']).get('endpointslice.kubernetes.io/skip-mirror') !== 'true' &&
      !reader.stringMap(['metadata', 'annotations']).has('control-plane.alpha.kubernetes.io/leader');
    if (mirrored && !sliced.has(key)) endpointSlices.push(...fromEndpoints);
  }

  const istio = new Map<string, IstioConfigModel[]>();
  for (const object of objects) {
    if (!ISTIO_CONFIG_KINDS.has(object.kind) || gatewayApi.owns(object)) continue;
    const list = istio.get(object.kind) ?? [];
    const read = readOnce(object, 'istio', diagnostics, () => readIstioConfig(readerOf(object), sourceOf(object), 0));
    list.push({
      ...read,
      order: created.get(object) ?? -1,
      creationTime: creationTime(object),
      source: sourceOf(object),
    });
    istio.set(object.kind, list);
  }
  // EnvoyFilters are not modelled, only read, so that a trace can name those that select a proxy on its path.
  const envoyFilters = latest.filter((object) => object.kind === 'EnvoyFilter');
  if (envoyFilters.length > 0)
    istio.set(
      'EnvoyFilter',
      envoyFilters.map((object) => readIstioConfig(readerOf(object), sourceOf(object), objects.length)),
    );

  const annotationClasses = new Map<IngressModel, string | undefined>();
  // Oldest first: the first Ingress of a host names its VirtualService and the Gateway it binds to.
  const ingressObjects = [...byKind('Ingress')].sort((a, b) => (created.get(a) ?? 0) - (created.get(b) ?? 0));
  const ingresses: IngressModel[] = ingressObjects.map((object) => {
    const reader = readerOf(object);
    const ingress: IngressModel = {
      name: object.name,
      namespace: object.namespace ?? 'default',
      ingressClassName:
        reader.string(['spec', 'ingressClassName']) ??
        reader.stringMap(['metadata', 'annotations']).get('kubernetes.io/ingress.class'),
      spec: reader.mapping(['spec']) ?? {},
      source: sourceOf(object),
    };
    annotationClasses.set(ingress, reader.stringMap(['metadata', 'annotations']).get('kubernetes.io/ingress.class'));
    return ingress;
  });
  // Ingresses of Istio's class become a Gateway and VirtualServices, as istiod derives them.
  for (const config of istioConfigFromIngresses(ingresses, meshConfig, annotationClasses, services, clusterDomain)) {
    istio.set(config.kind, [...(istio.get(config.kind) ?? []), config]);
  }

  // Gateway API Gateways and routes become Istio Gateways and VirtualServices, as istiod's gateway controller makes
  // them.
  for (const config of gatewayApi.translate(namespaces, services, istio)) {
    istio.set(config.kind, [...(istio.get(config.kind) ?? []), config]);
  }

  return {
    meshConfig,
    namespaces,
    pods: pods.map(({ needsIp: _needsIp, ...pod }) => pod),
    services,
    endpointSlices,
    ingresses,
    istio,
    waypoints: ambient.waypoints,
    assumptions,
  };
}
