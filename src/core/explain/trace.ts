/** A trace as the user reads it: the simulation's facts, each with a title, a detail and what was not taken. */
import type { Analysis } from '../analysis.ts';
import type { FindingIndex } from '../analyzers/findings.ts';
import type { Diagnostic } from '../manifest/diagnostic.ts';
import type { ObjectSource } from '../model/mesh.ts';
import type {
  AssumptionFact,
  DnsSummary,
  EndpointState,
  Outcome,
  Simulation,
  SimulatedRequest,
  StepFact,
  StepKind,
  TraceHop,
} from '../simulate/facts.ts';
import type { TraceOptions, TraceRequest } from '../simulate/request.ts';
import { simulateRequest } from '../simulate/trace.ts';
import { stepFindings } from './findings.ts';
import { explainStep } from './steps.ts';

/** One thing that happened to the request, why, and which objects caused it. */
export interface TraceStep {
  kind: StepKind;
  /** `namespace/pod` of the proxy this happened in, if any. */
  proxy: string | undefined;
  title: string;
  detail: string;
  sources: ObjectSource[];
  /** The Istio/Envoy name of what was picked (listener, virtual host, cluster...), for labels. */
  name?: string;
  /** What else was there and not taken, in words. */
  alternatives?: string[];
  /** Index of the hop (proxy) this step belongs to. */
  hop?: number;
  /** For endpoint steps: every endpoint of the service port and what happened to it. */
  endpoints?: EndpointState[];
  /** The same step as data: what matched, how, and what was not taken. */
  fact: StepFact;
  /** The analyzers' findings that concern this step (about one of its sources, or the host or subset it decided on). */
  findings?: Diagnostic[];
}

export interface Trace {
  outcome: Outcome;
  status: number | null;
  responseFlags: string;
  dns: DnsSummary;
  hops: TraceHop[];
  steps: TraceStep[];
  assumptions: string[];
  request: SimulatedRequest;
}

export type TraceResult = { ok: true; trace: Trace } | { ok: false; reason: string };

export function explainAssumption(assumption: AssumptionFact): string {
  switch (assumption.kind) {
    case 'portAssumed':
      return `No port given for ${assumption.host}: assumed ${assumption.port}.`;
    case 'externalDns':
      return assumption.given
        ? `${assumption.name} is resolved by DNS outside the cluster; ` +
            `the address given (${assumption.address}) is used.`
        : `${assumption.name} is resolved by DNS outside the cluster; Meshpath cannot know the real address and uses ` +
            `${assumption.address} (a documentation address). Pass --address to use the real one.`;
    case 'authorization':
      return assumption.note;
    case 'faultAbortSkipped':
      return (
        `The route aborts ${assumption.percent}% of requests with ${assumption.status}; ` +
        'this trace follows a request that is not aborted.'
      );
    case 'gatewayCertificate':
      return (
        `Gateway ${assumption.gateway} terminates TLS (${assumption.mode}) with the certificate of credentialName ` +
        `${assumption.credentialName ?? '(none given)'}: Meshpath does not check that this Secret exists or is valid` +
        `${assumption.mode === 'MUTUAL' ? ', nor that the client presents a certificate it trusts' : ''}.`
      );
    case 'externalClient':
      return (
        `The client outside the mesh is shown as ${assumption.address} (a documentation address): ` +
        'the gateway sees the real client, or the node or load balancer in front of it.'
      );
    case 'envoyFilterNotApplied':
      return (
        `EnvoyFilter ${assumption.filter} selects ${assumption.proxy} on this path, but its ` +
        `${assumption.patches === 1 ? 'patch is' : `${assumption.patches} patches are`} not applied: ` +
        'the path is what istiod would send before it.'
      );
    case 'ambientIgnores':
      return (
        `The client is in ambient mode: ztunnel does not read ${assumption.objects.join(', ')} ` +
        "(Sidecar resources, VirtualService source matches and a Service's exportTo shape what sidecars see, " +
        'not ztunnel).'
      );
    case 'accessLogPlaceholders':
      return (
        'Access-log lines: the start time, durations, the size of what the application answers, the request id ' +
        'and ephemeral ports are placeholders; every other field is what Envoy would log.'
      );
  }
}

/** Puts the simulation's facts into words; everything else (outcome, hops, DNS, request) passes through as it is. */
export function explainSimulation(simulation: Simulation, findings?: FindingIndex): Trace {
  return {
    outcome: simulation.outcome,
    status: simulation.status,
    responseFlags: simulation.responseFlags,
    dns: simulation.dns,
    hops: simulation.hops,
    steps: simulation.steps.map((step) => {
      const words = explainStep(step);
      const concerns = findings
        ? stepFindings(step, simulation.hops, findings, simulation.request.headers['host'] ?? simulation.request.host)
        : [];
      return {
        kind: step.fact.kind,
        proxy: step.proxy,
        title: words.title,
        detail: words.detail,
        sources: step.sources,
        ...(words.name !== undefined ? { name: words.name } : {}),
        ...(words.alternatives !== undefined ? { alternatives: words.alternatives } : {}),
        ...(words.endpoints !== undefined ? { endpoints: words.endpoints } : {}),
        ...(step.hop !== undefined ? { hop: step.hop } : {}),
        fact: step.fact,
        ...(concerns.length > 0 ? { findings: concerns } : {}),
      };
    }),
    assumptions: simulation.assumptions.map(explainAssumption),
    request: simulation.request,
  };
}

/** Walks one request through the mesh (simulate/) and explains every step (explain/). */
export function traceRequest(analysis: Analysis, request: TraceRequest, options: TraceOptions = {}): TraceResult {
  const result = simulateRequest(analysis, request, options);
  return result.ok ? { ok: true, trace: explainSimulation(result.simulation, analysis.findings) } : result;
}
