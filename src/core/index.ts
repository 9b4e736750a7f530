/**
 * The only entry the UI, the CLI and the tests use. Pure TypeScript: no DOM, React, Monaco or Cytoscape.
 * Today analysis reads the manifests into the mesh model and the graph of references between objects;
 * the resolver (registry → sidecar scope → Envoy config → trace) builds on that model.
 */
import type { Analysis } from './analysis.ts';
import { indexFindings } from './analyzers/findings.ts';
import { refusedRouteFindings } from './analyzers/gatewayRoutes.ts';
import { runAnalyzers } from './analyzers/index.ts';
import type { Diagnostic } from './manifest/diagnostic.ts';
import { escapeInvisible, hasInvisible } from './manifest/escape.ts';
import { traceRequest as explainTrace, type TraceResult } from './explain/trace.ts';
import type { TraceOptions, TraceRequest } from './simulate/request.ts';
import { buildMeshModel, forgetLastParsed } from './model/convert.ts';
import { forgetLastOrder } from './model/creation.ts';
import { discoveryView } from './model/discovery.ts';
import { DEFAULT_CLUSTER_DOMAIN } from './model/host.ts';
import { buildObjectGraph, forgetLastGraph } from './mesh/objectGraph.ts';
import { clearParseCache, parseManifests, type ManifestFile } from './manifest/parse.ts';
import { validateObjects } from './manifest/validate.ts';
import type { PodModel } from './model/mesh.ts';
import { findPodByRef, lookupPod as lookupPodInModel, unknownPodReason, type PodLookup } from './model/podRef.ts';
import { buildRegistry } from './registry/registry.ts';
import { prepareScopeInputs, type SidecarScope } from './scope/sidecarScope.ts';
import { buildProxyConfig } from './xds/proxyConfig.ts';
import type { ProxyConfig } from './xds/types.ts';

export type { Analysis } from './analysis.ts';
export type { Diagnostic, DiagnosticCode, Severity, SourcePosition, SourceRange } from './manifest/diagnostic.ts';
export type { ManifestFile, ManifestObject } from './manifest/parse.ts';
export type * from './model/mesh.ts';
export type { ObjectGraph, ObjectGraphEdge, ObjectGraphNode, ObjectGraphRelation } from './mesh/objectGraph.ts';
export { parseManifests } from './manifest/parse.ts';
export { fieldRange } from './manifest/locate.ts';
export { findSecrets, stripSecrets, REDACTED, type SecretFinding } from './manifest/redact.ts';
export { problemsNaming } from './model/relatedProblems.ts';
export type * from './xds/types.ts';
export type { SidecarScope } from './scope/sidecarScope.ts';
export { type Trace, type TraceResult, type TraceStep } from './explain/trace.ts';
export { escapeInvisible } from './manifest/escape.ts';
export { invalidUtf8Diagnostics } from './manifest/utf8.ts';
export { simulateRequest } from './simulate/trace.ts';
export type * from './simulate/facts.ts';
export type { PodLookup, PodRefRule } from './model/podRef.ts';
export {
  APP_PROTOCOLS,
  parseDestination,
  type AppProtocol,
  type TraceOptions,
  type TraceRequest,
} from './simulate/request.ts';
export { parseTestsFile, EXPECT_FIELDS, type PathTest, type Expectation } from './pathtests/testsFile.ts';
export { runPathTests, traceView, type TestResult, type FieldFailure, type DecidingStep } from './pathtests/run.ts';
export { junitXml, describeFailure } from './pathtests/junit.ts';
export {
  defaultRequests,
  describeResult,
  diffMarkdown,
  diffRequests,
  DEFAULT_REQUEST_LIMIT,
  type DiffRequest,
  type RequestDiff,
} from './pathtests/diff.ts';
export { explainWhyNot, type VerifiedFix, type VerifiedRequestChange, type WhyNot } from './pathtests/fixes.ts';
export {
  meshEnds,
  type DestinationEnd,
  type DestinationKind,
  type DestinationPort,
  type MeshEnds,
  type SourceEnd,
} from './ends/ends.ts';
export {
  DestinationFilter,
  destinationText,
  dialableNames,
  portHint,
  preferredName,
  type DestinationSuggestion,
} from './ends/suggest.ts';
export { directDestination, reverseRequest, type ReverseRequest } from './ends/reverse.ts';
export { ztunnelConfigTables, type ZtunnelConfigTables } from './ambient/ztunnelConfig.ts';
export { formatTable, proxyConfigTables, type ProxyConfigTables, type Table, type TableRow } from './xds/tables.ts';
export { bootstrapResources, proxyConfigForDump, type BootstrapResources } from './xds/bootstrap.ts';

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    a.file.localeCompare(b.file) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column
  );
}

/** One problem is reported once, even when several pods share the template it sits in. */
function uniqueDiagnostics(diagnostics: Diagnostic[], fileOrder: ReadonlyMap<string, number>): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.file}|${d.range.start.line}|${d.range.start.column}|${d.code}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || compareDiagnostics(a, b));
}

export type ProxyConfigResult = { ok: true; config: ProxyConfig; scope: SidecarScope } | { ok: false; reason: string };

/** The pods a user can pick as a proxy: `namespace/name`. */
export function findPod(analysis: Analysis, ref: string): PodModel | undefined {
  return findPodByRef(analysis.model, ref);
}

/**
 * The pod a reference means as users type it (bare name, workload, `name-<hash>` prefix, app label), with the choices
 * when several workloads fit.
 */
export function lookupPod(analysis: Analysis, ref: string): PodLookup {
  return lookupPodInModel(analysis.model, ref);
}

/** What istiod would push to one pod's proxy, like `istioctl proxy-config all`. */
export function computeProxyConfig(
  analysis: Analysis,
  podRef: string,
  clusterDomain = 'cluster.local',
): ProxyConfigResult {
  const pod = findPod(analysis, podRef);
  if (!pod) return { ok: false, reason: unknownPodReason(analysis.model, podRef) };
  if (pod.dataPlane.mode === 'ambient')
    return {
      ok: false,
      reason:
        `Pod ${pod.namespace}/${pod.name} has no Istio proxy of its own: ${pod.dataPlane.reason} (see ` +
        `proxy-config ztunnel).`,
    };
  if (pod.proxy.kind === 'none')
    return { ok: false, reason: `Pod ${pod.namespace}/${pod.name} has no Istio proxy: ${pod.proxy.reason}.` };
  // What istiod watches: the namespaces its discoverySelectors pick.
  const visible = discoveryView(analysis.model);
  const registry = buildRegistry(visible, clusterDomain);
  const inputs = prepareScopeInputs(visible, registry, clusterDomain);
  const { config, ctx } = buildProxyConfig(pod, inputs);
  return { ok: true, config, scope: ctx.scope };
}

export interface AnalyzeOptions {
  /**
   * istiod's domain suffix (default cluster.local): it names the backends of VirtualServices derived from Ingresses.
   * Trace with the same one.
   */
  clusterDomain?: string;
}

/**
 * Forgets every document read and what the last analysis built, which the next one reuses for what an edit did not
 * change: the next analyze() is a first read (for measuring one, or checking that reuse changes nothing).
 */
export function forgetEarlierReads(): void {
  clearParseCache();
  forgetLastParsed();
  forgetLastOrder();
  forgetLastGraph();
}

export function analyze(files: readonly ManifestFile[], options: AnalyzeOptions = {}): Analysis {
  const { objects, diagnostics, lineIndexes } = parseManifests(files);
  validateObjects(objects, lineIndexes, diagnostics);
  const model = buildMeshModel(objects, lineIndexes, diagnostics, options.clusterDomain);
  const findings = runAnalyzers(
    { objects, lineIndexes, model, clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN },
    diagnostics,
  );
  // Messages quote names and hosts as the user wrote them: write out any invisible character in them (`\u202E`).
  for (const d of diagnostics) if (hasInvisible(d.message)) d.message = escapeInvisible(d.message);
  const fileOrder = new Map(files.map((file, index) => [file.name, index]));
  const unique = uniqueDiagnostics(diagnostics, fileOrder);
  return {
    objects,
    diagnostics: unique,
    findings: indexFindings([...findings, ...refusedRouteFindings(objects, unique)], unique),
    assumptions: model.assumptions,
    model,
    objectGraph: buildObjectGraph(objects, options.clusterDomain),
  };
}

/**
 * Simulates one request and puts it in words (see explain/). Names and hosts the user wrote reach the words as
 * written: any bidi control or zero-width character in them is written out (`\u202E`), so a step reads as what it is.
 */
export function traceRequest(analysis: Analysis, request: TraceRequest, options: TraceOptions = {}): TraceResult {
  const result = explainTrace(analysis, request, options);
  if (!result.ok) return { ok: false, reason: escapeInvisible(result.reason) };
  const { trace } = result;
  const words = [trace.assumptions, ...trace.steps.map((s) => [s.title, s.detail, ...(s.alternatives ?? [])])];
  if (!words.some((list) => list.some(hasInvisible)) && !trace.hops.some((h) => hasInvisible(h.accessLog ?? '')))
    return result;
  return {
    ok: true,
    trace: {
      ...trace,
      assumptions: trace.assumptions.map(escapeInvisible),
      hops: trace.hops.map((h) => (h.accessLog ? { ...h, accessLog: escapeInvisible(h.accessLog) } : h)),
      steps: trace.steps.map((s) => ({
        ...s,
        title: escapeInvisible(s.title),
        detail: escapeInvisible(s.detail),
        ...(s.alternatives ? { alternatives: s.alternatives.map(escapeInvisible) } : {}),
      })),
    },
  };
}
