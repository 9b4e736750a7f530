/**
 * Small builders for scenario tests: each returns one YAML document, so a test reads like the manifests a user
 * would paste. Only tests import this module.
 */
import {
  analyze,
  computeProxyConfig,
  simulateRequest,
  type ProxyConfig,
  type TraceHop,
  type TraceOptions,
  type TraceRequest,
} from './index.ts';
import type { Simulation, StepFact } from './simulate/facts.ts';

type Labels = Record<string, string>;

const flow = (labels: Labels) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ')}}`;

export const doc = (...docs: string[]): string => docs.join('\n---\n');

export function namespace(name: string, labels: Labels = {}): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${flow(labels)}}`;
}

export interface ServicePortSpec {
  port: number;
  name?: string;
  targetPort?: number | string;
  appProtocol?: string;
  protocol?: string;
}

export function service(
  name: string,
  ns: string,
  options: {
    ports: ServicePortSpec[];
    selector?: Labels;
    clusterIP?: string;
    type?: string;
    externalName?: string;
    annotations?: Labels;
    internalTrafficPolicy?: 'Cluster' | 'Local';
  },
): string {
  const ports = options.ports
    .map(
      (p) =>
        `{port: ${p.port}${p.name ? `, name: ${p.name}` : ''}` +
        `${p.targetPort !== undefined ? `, targetPort: ${p.targetPort}` : ''}` +
        `${p.appProtocol ? `, appProtocol: ${p.appProtocol}` : ''}` +
        `${p.protocol ? `, protocol: ${p.protocol}` : ''}}`,
    )
    .join(', ');
  return (
    `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}, annotations: ${flow(options.annotations ?? {})}}
spec:
  type: ${options.type ?? 'ClusterIP'}
${options.clusterIP ? `  clusterIP: ${options.clusterIP}\n` : ''}` +
    `${options.internalTrafficPolicy ? `  internalTrafficPolicy: ${options.internalTrafficPolicy}\n` : ''}` +
    `${options.externalName ? `  externalName: ${options.externalName}\n` : ''}` +
    `${options.selector ? `  selector: ${flow(options.selector)}\n` : ''}  ports: [${ports}]`
  );
}

export function pod(
  name: string,
  ns: string,
  options: {
    labels?: Labels;
    ip?: string;
    ready?: boolean;
    annotations?: Labels;
    ports?: Array<{ containerPort: number; name?: string }>;
    serviceAccount?: string;
    nodeName?: string;
    /** A gateway pod: its istio-proxy container runs `proxy router`. */
    gateway?: boolean;
  } = {},
): string {
  const ports = (options.ports ?? [])
    .map((p) => `{containerPort: ${p.containerPort}${p.name ? `, name: ${p.name}` : ''}}`)
    .join(', ');
  return (
    `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${flow(options.labels ?? {})}, ` +
    `annotations: ${flow(options.annotations ?? {})}}
spec:
  serviceAccountName: ${options.serviceAccount ?? 'default'}
${options.nodeName ? `  nodeName: ${options.nodeName}\n` : ''}  containers: [{${
      options.gateway ? 'name: istio-proxy, image: proxyv2, args: [proxy, router]' : 'name: app, image: app'
    }, ports: [${ports}]}]
status:
  phase: Running
  podIP: ${options.ip ?? '10.244.0.1'}
  conditions: [{type: Ready, status: "${options.ready === false ? 'False' : 'True'}"}]`
  );
}

/** An Istio object with a spec written as YAML (indented two spaces under spec). */
export function istio(kind: string, name: string, ns: string, spec: string, extraMetadata = ''): string {
  const group = ['PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'].includes(kind)
    ? 'security.istio.io/v1'
    : 'networking.istio.io/v1';
  return (
    `apiVersion: ${group}\nkind: ${kind}\nmetadata: {name: ${name}, namespace: ${ns}${extraMetadata}}\n` +
    `spec:\n${spec
      .trim()
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n')}`
  );
}

export function meshConfig(mesh: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}`;
}

/** The proxy config of one pod for a scenario, failing the test when it cannot be computed. */
export function proxyConfigFor(text: string, podRef: string, clusterDomain?: string): ProxyConfig {
  const result = computeProxyConfig(analyze([{ name: 'scenario.yaml', text }]), podRef, clusterDomain);
  if (!result.ok) throw new Error(result.reason);
  return result.config;
}

export const listenerNames = (config: ProxyConfig) => config.listeners.map((l) => l.name);
export const listenerNamed = (config: ProxyConfig, name: string) => config.listeners.find((l) => l.name === name);
export const routeNamed = (config: ProxyConfig, name: string) => config.routes.find((r) => r.name === name);
export const clusterNamed = (config: ProxyConfig, name: string) => config.clusters.find((c) => c.name === name);
export const endpointsOf = (config: ProxyConfig, cluster: string) =>
  config.endpoints.find((e) => e.clusterName === cluster)?.endpoints.map((e) => `${e.address}:${e.port}`) ?? [];

/** What Istio's simulation tests assert of one call (pilot/pkg/simulation/traffic.go: Result), read off a trace. */
export interface TraceSummary {
  outcome: string;
  status: number | null;
  flags: string;
  /** Why the request ended, as the simulation's end fact names it. */
  end: string | undefined;
  /** The first proxy's hop (the client's sidecar, or a gateway). */
  out: TraceHop | undefined;
  /** The destination sidecar's inbound hop, when the request got there. */
  in: TraceHop | undefined;
}

/** Simulates one request over a scenario (its facts, before words), failing the test when it cannot be traced. */
export function simulateScenario(text: string, request: TraceRequest, options: TraceOptions = {}): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}

/** The first step fact of one kind in a simulation. */
export function factOf<K extends StepFact['kind']>(t: Simulation, kind: K): Extract<StepFact, { kind: K }> | undefined {
  return t.steps.find((s) => s.fact.kind === kind)?.fact as Extract<StepFact, { kind: K }> | undefined;
}

/** What curl and the access log show of a call: outcome, status and response flags. */
export const callResult = (t: Simulation) => ({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags });

/** Traces one request over a scenario, failing the test when it cannot be traced. */
export function traceSummary(text: string, request: TraceRequest, options: TraceOptions = {}): TraceSummary {
  const t = simulateScenario(text, request, options);
  const last = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    flags: t.responseFlags,
    end: last?.kind === 'outcome' ? last.end.reason : undefined,
    out: t.hops.find((h) => h.direction === 'outbound' || h.direction === 'gateway'),
    in: t.hops.find((h) => h.direction === 'inbound'),
  };
}
