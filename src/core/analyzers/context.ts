import type { Diagnostic, DiagnosticCode, Severity } from '../manifest/diagnostic.ts';
import type { LineIndex } from '../manifest/lineIndex.ts';
import { field, isRecord, type ManifestObject } from '../manifest/parse.ts';
import { ObjectReader, type FieldPath } from '../manifest/reader.ts';
import { isWildcard, resolveShortname } from '../model/host.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshModel, ObjectSource, PodModel, ServiceModel } from '../model/mesh.ts';
import { kubernetesPortProtocol, parseProtocol, type Protocol } from '../registry/protocol.ts';

/** What the analyzers read: the parsed objects (for positions) and the mesh model built from them. */
export interface AnalyzerInput {
  objects: readonly ManifestObject[];
  lineIndexes: ReadonlyMap<string, LineIndex>;
  model: MeshModel;
  clusterDomain: string;
}

/** One port of a known host, from a Kubernetes Service or a ServiceEntry. */
export interface HostPort {
  number: number;
  name: string;
  protocol: Protocol;
  /** Kubernetes targetPort (number or container port name); a ServiceEntry's targetPort; else the port. */
  targetPort: number | string;
}

/** A hostname the registry would hold: a Kubernetes Service or one host of a ServiceEntry. */
export interface KnownHost {
  hostname: string;
  namespace: string;
  kind: 'Service' | 'ServiceEntry';
  ports: HostPort[];
  /** Service spec.selector, ServiceEntry workloadSelector.labels. */
  selector: ReadonlyMap<string, string> | undefined;
  /** The ServiceEntry behind it, if any. */
  config: IstioConfigModel | undefined;
  externalName: boolean;
  order: number;
  source: ObjectSource;
}

/** A finding and what it concerns, so that the trace can show it on the steps it affects. */
export interface FindingSubject {
  diagnostic: Diagnostic;
  object: { kind: string; namespace: string | undefined; name: string };
  /** For findings about a host (which VirtualService wins for it) or one subset of it (a subset with no pods). */
  about?: { host: string; subset?: string };
}

/** `ns/name` of a config object, as users write it. */
export const nameOf = (c: { namespace: string | undefined; name: string }): string =>
  c.namespace ? `${c.namespace}/${c.name}` : c.name;

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The proper parent domains of a name: `a.b.c` → `b.c`, `c`. */
export function parentDomains(host: string): string[] {
  const out: string[] = [];
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) out.push(host.slice(dot + 1));
  return out;
}

/** Up to `max` names, then "and N more". */
export function someOf(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

const labelKey = (key: string, value: string) => `${key}\u0000${value}`;

/**
 * Everything the analyzers look things up in, indexed once so that each analyzer stays linear in the number of objects:
 * hosts by name and by parent domain, pods by namespace and by label, Istio config by kind and by name.
 */
export class AnalyzerContext {
  readonly model: MeshModel;
  readonly clusterDomain: string;
  readonly rootNamespace: string;
  private readonly objectsBySource = new Map<string, ManifestObject>();
  private readonly memos = new Map<string, unknown>();
  /** Every finding reported, with the object it is about (and the host or subset, for host-level findings). */
  readonly findings: FindingSubject[] = [];
  /** `group|kind|namespace/name` of every object in the input. */
  private readonly present = new Set<string>();
  private readonly written = new Map<string, readonly IstioConfigModel[]>();
  private hostIndex:
    { byName: Map<string, KnownHost[]>; wildcards: Map<string, KnownHost[]>; domains: Set<string> } | undefined;
  private podIndex:
    | {
        byNamespace: Map<string, PodModel[]>;
        byLabel: Map<string, PodModel[]>;
        byNamespaceLabel: Map<string, PodModel[]>;
      }
    | undefined;
  private workloadEntries:
    Map<string, Array<{ config: IstioConfigModel; labels: ReadonlyMap<string, string> }>> | undefined;
  private configsByName: Map<string, Map<string, IstioConfigModel>> | undefined;

  constructor(
    private readonly input: AnalyzerInput,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.model = input.model;
    this.clusterDomain = input.clusterDomain;
    this.rootNamespace = input.model.meshConfig.rootNamespace;
    for (const object of input.objects) {
      this.objectsBySource.set(this.sourceKey(object), object);
      this.present.add(
        `${object.apiVersion.split('/')[0] ?? ''}|${object.kind}|${object.namespace ?? ''}/${object.name}`,
      );
    }
  }

  private sourceKey(s: { file: string; range: { start: { line: number; column: number } } }): string {
    return `${s.file}\u0000${s.range.start.line}\u0000${s.range.start.column}`;
  }

  /**
   * Reports a finding on one field of the object `source` came from, at that field's line and column (the closest
   * enclosing field that exists). Objects Meshpath derived (a Gateway made from an Ingress) are reported on their
   * origin.
   */
  report(
    source: ObjectSource,
    path: FieldPath,
    severity: Severity,
    code: DiagnosticCode,
    message: string,
    about?: FindingSubject['about'],
  ): void {
    const object = this.objectsBySource.get(this.sourceKey(source));
    const lines = object ? this.input.lineIndexes.get(object.file) : undefined;
    if (!object || !lines) {
      this.diagnostics.push({ severity, code, message, file: source.file, range: source.range });
    } else {
      const derived = object.kind !== source.kind;
      new ObjectReader(object, lines, this.diagnostics).report(
        severity,
        code,
        message,
        derived ? ['metadata', 'name'] : path,
      );
    }
    const diagnostic = this.diagnostics[this.diagnostics.length - 1];
    if (diagnostic)
      this.findings.push({
        diagnostic,
        object: { kind: source.kind, namespace: source.namespace, name: source.name },
        ...(about ? { about } : {}),
      });
  }

  /** Whether the input has this object, e.g. a Gateway API Gateway a VirtualService may name. */
  hasObject(group: string, kind: string, namespacedName: string): boolean {
    return this.present.has(`${group}|${kind}|${namespacedName}`);
  }

  /** The parsed fields of the object `source` came from, to read a field the model does not keep. */
  objectValue(source: ObjectSource): Readonly<Record<string, unknown>> | undefined {
    const object = this.objectsBySource.get(this.sourceKey(source));
    return object && object.kind === source.kind ? object.value : undefined;
  }

  /** A value computed once per analysis and shared by the analyzers that need it (an index, a set of references). */
  memo<T>(key: string, build: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = build();
    this.memos.set(key, value);
    return value;
  }

  /**
   * The Istio config of one kind the user wrote. Config Meshpath derives as istiod does (from an Ingress, from Gateway
   * API objects) is left out: its fields are not the user's, so findings about them would point at nothing. It stays
   * visible to `config()`, for references to it.
   */
  istio(kind: string): readonly IstioConfigModel[] {
    let configs = this.written.get(kind);
    if (!configs) {
      configs = (this.model.istio.get(kind) ?? []).filter((c) => {
        const object = this.objectsBySource.get(this.sourceKey(c.source));
        return object !== undefined && object.kind === c.kind && /\.istio\.io\//.test(object.apiVersion);
      });
      this.written.set(kind, configs);
    }
    return configs;
  }

  /** An Istio config object by kind and `namespace/name` (the last one wins, as kubectl apply leaves it). */
  config(kind: string, namespacedName: string): IstioConfigModel | undefined {
    if (!this.configsByName) {
      this.configsByName = new Map();
      for (const [k, configs] of this.model.istio) {
        const byName = new Map<string, IstioConfigModel>();
        for (const c of configs) byName.set(`${c.namespace}/${c.name}`, c);
        this.configsByName.set(k, byName);
      }
    }
    return this.configsByName.get(kind)?.get(namespacedName);
  }

  resolveHost(host: string, namespace: string): string {
    return resolveShortname(host.toLowerCase(), namespace, this.clusterDomain);
  }

  private hosts(): NonNullable<AnalyzerContext['hostIndex']> {
    if (this.hostIndex) return this.hostIndex;
    const byName = new Map<string, KnownHost[]>();
    const wildcards = new Map<string, KnownHost[]>();
    const domains = new Set<string>();
    const push = (map: Map<string, KnownHost[]>, key: string, host: KnownHost) => {
      const found = map.get(key);
      if (found) found.push(host);
      else map.set(key, [host]);
    };
    const add = (host: KnownHost) => {
      const name = host.hostname;
      if (isWildcard(name)) {
        const suffix = name.slice(2);
        push(wildcards, suffix, host);
        domains.add(suffix);
        domains.add(`${host.namespace}/${suffix}`);
      }
      push(byName, name, host);
      for (const parent of parentDomains(isWildcard(name) ? name.slice(2) : name)) {
        domains.add(parent);
        domains.add(`${host.namespace}/${parent}`);
      }
    };
    for (const service of this.model.services) {
      add({
        hostname: `${service.name}.${service.namespace}.svc.${this.clusterDomain}`,
        namespace: service.namespace,
        kind: 'Service',
        ports: service.ports.map((p) => ({
          number: p.port,
          name: p.name ?? '',
          protocol: kubernetesPortProtocol(p.port, p.name, p.protocol, p.appProtocol),
          targetPort: p.targetPort,
        })),
        selector: service.selector,
        config: undefined,
        externalName: service.type === 'ExternalName',
        order: service.order,
        source: service.source,
      });
    }
    for (const se of this.istio('ServiceEntry')) {
      const ports: HostPort[] = list(field(se.spec, 'ports')).flatMap((p) => {
        const number = field(p, 'number');
        if (typeof number !== 'number') return [];
        const protocol = field(p, 'protocol');
        const targetPort = field(p, 'targetPort');
        const name = field(p, 'name');
        return [
          {
            number,
            name: typeof name === 'string' ? name : '',
            // serviceentry/conversion.go: convertPort — only `protocol`, never the name.
            protocol: typeof protocol === 'string' ? parseProtocol(protocol) : 'Unsupported',
            targetPort: typeof targetPort === 'number' ? targetPort : number,
          },
        ];
      });
      const selector = field(se.spec, 'workloadSelector');
      for (const hostname of strings(field(se.spec, 'hosts'))) {
        add({
          hostname: hostname.toLowerCase(),
          namespace: se.namespace,
          kind: 'ServiceEntry',
          ports,
          selector: isRecord(selector) ? toStringMap(field(selector, 'labels')) : undefined,
          config: se,
          externalName: false,
          order: se.order,
          source: se.source,
        });
      }
    }
    this.hostIndex = { byName, wildcards, domains };
    return this.hostIndex;
  }

  /**
   * The registry entries for an exact hostname, else those of the ServiceEntry wildcards that cover it (most specific
   * first).
   */
  lookupHost(hostname: string): KnownHost[] {
    const { byName, wildcards } = this.hosts();
    const exact = byName.get(hostname);
    if (exact) return exact;
    const bare = isWildcard(hostname) ? hostname.slice(2) : hostname;
    for (const parent of isWildcard(hostname) ? [bare, ...parentDomains(bare)] : parentDomains(bare)) {
      const covering = wildcards.get(parent);
      if (covering) return covering;
    }
    return [];
  }

  /**
   * Whether some known host is `*.suffix` or lies under `suffix` (a wildcard `*.suffix` covers it); optionally in one
   * namespace.
   */
  hasHostUnder(suffix: string, namespace?: string): boolean {
    return this.hosts().domains.has(namespace === undefined ? suffix : `${namespace}/${suffix}`);
  }

  /** Every known host whose name is exactly `hostname` (no wildcard lookup). */
  exactHosts(hostname: string): readonly KnownHost[] {
    return this.hosts().byName.get(hostname) ?? [];
  }

  allHosts(): IterableIterator<KnownHost[]> {
    return this.hosts().byName.values();
  }

  private pods(): NonNullable<AnalyzerContext['podIndex']> {
    if (this.podIndex) return this.podIndex;
    const byNamespace = new Map<string, PodModel[]>();
    const byLabel = new Map<string, PodModel[]>();
    const byNamespaceLabel = new Map<string, PodModel[]>();
    const push = (map: Map<string, PodModel[]>, key: string, pod: PodModel) => {
      const found = map.get(key);
      if (found) found.push(pod);
      else map.set(key, [pod]);
    };
    for (const pod of this.model.pods) {
      push(byNamespace, pod.namespace, pod);
      for (const [key, value] of pod.labels) {
        push(byLabel, labelKey(key, value), pod);
        push(byNamespaceLabel, `${pod.namespace}\u0000${labelKey(key, value)}`, pod);
      }
    }
    this.podIndex = { byNamespace, byLabel, byNamespaceLabel };
    return this.podIndex;
  }

  /** WorkloadEntries of one namespace with their labels (spec.labels under metadata.labels). */
  workloadEntriesIn(
    namespace: string,
  ): ReadonlyArray<{ config: IstioConfigModel; labels: ReadonlyMap<string, string> }> {
    if (!this.workloadEntries) {
      this.workloadEntries = new Map();
      for (const config of this.istio('WorkloadEntry')) {
        const labels = new Map([...toStringMap(field(config.spec, 'labels')), ...config.labels]);
        const found = this.workloadEntries.get(config.namespace);
        if (found) found.push({ config, labels });
        else this.workloadEntries.set(config.namespace, [{ config, labels }]);
      }
    }
    return this.workloadEntries.get(namespace) ?? [];
  }

  /** The Kubernetes Services whose selector picks each pod. */
  servicesByPod(): Map<PodModel, ServiceModel[]> {
    return this.memo('servicesByPod', () => {
      const out = new Map<PodModel, ServiceModel[]>();
      for (const service of this.model.services) {
        if (!service.selector || service.selector.size === 0) continue;
        for (const pod of this.selectPods(service.namespace, service.selector)) {
          const found = out.get(pod);
          if (found) found.push(service);
          else out.set(pod, [service]);
        }
      }
      return out;
    });
  }

  podsIn(namespace: string): readonly PodModel[] {
    return this.pods().byNamespace.get(namespace) ?? [];
  }

  /**
   * The pods whose labels include every pair of `selector`, in one namespace or (undefined) in all. Reads the shortest
   * posting list of the inverted label index and checks the rest, so a selector costs the size of its rarest label.
   */
  selectPods(namespace: string | undefined, selector: ReadonlyMap<string, string>): PodModel[] {
    const index = this.pods();
    if (selector.size === 0)
      return namespace === undefined ? [...this.model.pods] : [...(index.byNamespace.get(namespace) ?? [])];
    let shortest: readonly PodModel[] | undefined;
    for (const [key, value] of selector) {
      const posting =
        namespace === undefined
          ? index.byLabel.get(labelKey(key, value))
          : index.byNamespaceLabel.get(`${namespace}\u0000${labelKey(key, value)}`);
      if (!posting) return [];
      if (!shortest || posting.length < shortest.length) shortest = posting;
    }
    return (shortest ?? []).filter((pod) => labelsMatch(selector, pod.labels));
  }
}
