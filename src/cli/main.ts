import { readFileSync } from 'node:fs';
import {
  HELP,
  problemsReading,
  readFiles,
  readPort,
  walkOptions,
  type CommandResult,
  type Help,
  type ReadStdin,
} from './options.ts';
import { runDiff, runTest } from './pathCommands.ts';
import {
  analyze,
  APP_PROTOCOLS,
  explainWhyNot,
  DEFAULT_REQUEST_LIMIT,
  computeProxyConfig,
  escapeInvisible,
  formatTable,
  lookupPod,
  proxyConfigForDump,
  proxyConfigTables,
  traceRequest,
  ztunnelConfigTables,
  type Analysis,
  type Diagnostic,
  type ManifestFile,
  type Trace,
  type TraceOptions,
  type TraceRequest,
  type WhyNot,
} from '../core/index.ts';

export type { CommandResult };

const USAGE = `Usage: meshpath <command> [options]

Commands:
  check -f FILE [-f FILE...] [--json]   Read manifests and list the objects understood and every problem found.
  proxy-config listeners|routes|clusters|endpoints|all --pod POD -f FILE... [-o json]
                                        What istiod would push to that pod's proxy, as istioctl proxy-config prints it.
  proxy-config ztunnel -f FILE... [-o json]
                                        Ambient: workloads and Services as ztunnel knows them (istioctl ztunnel-config).
  trace -f FILE... --from POD --to HOST_OR_IP_OR_URL [--port N|NAME] [--protocol http|http2|grpc|https|tls|tcp]
        [--address IP] [--path /p] [--method M] [--header 'Name: value']... [--sni NAME]
        [--outbound-traffic-policy ALLOW_ANY|REGISTRY_ONLY|ALLOW_ANY_DYNAMIC_DNS] [--dns-capture]
        [--cluster-domain D] [--json] [--explain [--intended-cluster C]]
                                        Where one request goes, step by step, and why. With --explain, a request
                                        that is not routed also gets the decisive reason, what was close, and the
                                        smallest change that routes it, as YAML, verified by tracing again. With
                                        --intended-cluster (outbound|PORT|SUBSET|HOST), the same for a request that
                                        reached another cluster: headers it would need, or the VirtualService edit.
  test -f FILE_OR_DIR... TESTS.yaml [--junit OUT.xml] [--json]
                                        Run a tests file's requests and check each against what it expects: exit 1
                                        when one fails, 2 when the tests file cannot be used.
  diff --before FILES_OR_DIR --after FILES_OR_DIR [--tests TESTS.yaml | --from POD --to HOST [--port N]]
       [--markdown | --json]            The same requests against two versions of the manifests (without --tests or
                                        --from, every workload to every Service port, at most
                                        ${DEFAULT_REQUEST_LIMIT}): exit 1 when any outcome, status or path changed,
                                        with where the paths part and why.

Options:
  -f, --filename FILE   A YAML or JSON manifest file ("-" reads standard input), or a directory of them.
                        Repeat for several files.
  POD                   namespace/name, or a bare name in any namespace: a pod, a workload (deploy/sleep), a pod
                        name before its generated -<hash>, an app or app.kubernetes.io/name label, a Service.
  --json                Print one JSON object instead of text.
  -h, --help            Show this help.
`;

interface CheckArgs {
  files: string[];
  json: boolean;
}

function parseCheckArgs(args: readonly string[]): CheckArgs | Help | string {
  const files: string[] = [];
  let json = false;
  const problem = walkOptions(args, (flag, value, arg) => {
    if (flag === '-f' || flag === '--filename') {
      const file = value('a file name');
      if (file !== undefined) files.push(file);
    } else if (arg === '--json') {
      json = true;
    } else {
      return `Unknown option for check: ${arg}`;
    }
    return undefined;
  });
  if (problem !== undefined) return problem;
  if (files.length === 0) return 'check needs at least one -f FILE.';
  return { files, json };
}

function checkJson(analysis: Analysis, diagnostics: readonly Diagnostic[]): string {
  return `${JSON.stringify(
    {
      objects: analysis.objects.map((o) => ({
        kind: o.kind,
        apiVersion: o.apiVersion,
        namespace: o.namespace ?? null,
        name: o.name,
        file: o.file,
        line: o.range.start.line,
      })),
      diagnostics: diagnostics.map((d) => ({
        severity: d.severity,
        code: d.code,
        message: d.message,
        file: d.file,
        line: d.range.start.line,
        column: d.range.start.column,
      })),
      pods: analysis.model.pods.map((pod) => ({
        namespace: pod.namespace,
        name: pod.name,
        ip: pod.ip,
        ready: pod.ready,
        serviceAccount: pod.serviceAccount,
        proxy: pod.proxy.kind,
        reason: pod.proxy.reason,
        dnsCapture: pod.proxy.dnsCapture,
        assumed: pod.assumed,
      })),
      assumptions: analysis.assumptions.map((a) => ({
        code: a.code,
        message: a.message,
        file: a.subject?.file ?? null,
        line: a.subject?.range.start.line ?? null,
      })),
    },
    null,
    2,
  )}\n`;
}

function checkText(analysis: Analysis, diagnostics: readonly Diagnostic[]): string {
  const lines: string[] = [];
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  lines.push(`${analysis.objects.length} objects:`);
  for (const o of analysis.objects) {
    const name = (o.namespace ? `${o.namespace}/` : '') + o.name;
    const listed = o.modelled ? '' : '  [listed, not modelled]';
    lines.push(`  ${o.kind.padEnd(22)} ${name}  (${o.file}:${o.range.start.line})${listed}`);
  }
  if (analysis.model.pods.length > 0) lines.push(`${analysis.model.pods.length} pods:`);
  for (const pod of analysis.model.pods) {
    const ambient = pod.dataPlane.mode === 'ambient';
    const proxy = ambient ? 'ambient' : pod.proxy.kind === 'none' ? 'no sidecar' : pod.proxy.kind;
    const reason = ambient ? pod.dataPlane.reason : pod.proxy.reason;
    const assumed = pod.assumed ? ' [assumed from template]' : '';
    lines.push(
      `  ${`${pod.namespace}/${pod.name}`.padEnd(44)} ${pod.ip.padEnd(15)} ${proxy.padEnd(10)} ${reason}${assumed}`,
    );
  }
  for (const a of analysis.assumptions) {
    const at = a.subject ? `${a.subject.file}:${a.subject.range.start.line}:${a.subject.range.start.column}` : '(mesh)';
    lines.push(`${at} assumed ${a.message}`);
  }
  for (const d of diagnostics) {
    lines.push(`${d.file}:${d.range.start.line}:${d.range.start.column} ${d.severity} ${d.message} [${d.code}]`);
  }
  lines.push(`${errors} errors, ${warnings} warnings, ${diagnostics.length - errors - warnings} notes`);
  return `${lines.join('\n')}\n`;
}

const PROXY_CONFIG_KINDS = ['listeners', 'routes', 'clusters', 'endpoints', 'all'] as const;
type ProxyConfigKind = (typeof PROXY_CONFIG_KINDS)[number];

interface ProxyConfigArgs {
  kind: ProxyConfigKind;
  pod: string;
  files: string[];
  json: boolean;
}

function parseProxyConfigArgs(args: readonly string[]): ProxyConfigArgs | Help | string {
  const [kindText, ...rest] = args;
  if (kindText === '-h' || kindText === '--help') return HELP;
  // A kind as istioctl names it, or in the singular (`listener`).
  const kind = PROXY_CONFIG_KINDS.find((k) => k === kindText || k === `${kindText ?? ''}s`);
  if (!kind) return `proxy-config needs one of ${PROXY_CONFIG_KINDS.join(', ')}${kindText ? `, not ${kindText}` : ''}.`;
  const files: string[] = [];
  let pod: string | undefined;
  let json = false;
  const problem = walkOptions(rest, (flag, value, arg) => {
    if (flag === '-f' || flag === '--filename') {
      const file = value('a file name');
      if (file !== undefined) files.push(file);
    } else if (flag === '--pod') {
      pod = value('NAMESPACE/NAME');
    } else if (flag === '-o' || flag === '--output') {
      const format = value('json or short');
      if (format !== undefined && format !== 'json' && format !== 'short')
        return `-o takes json or short, not ${format}.`;
      json = format === 'json';
    } else if (arg === '--json' || arg === '-ojson') {
      json = true;
    } else if (!arg.startsWith('-') && pod === undefined) {
      pod = arg;
    } else {
      return `Unknown option for proxy-config: ${arg}`;
    }
    return undefined;
  });
  if (problem !== undefined) return problem;
  if (files.length === 0) return 'proxy-config needs at least one -f FILE.';
  if (!pod) return 'proxy-config needs --pod NAMESPACE/NAME.';
  return { kind, pod, files, json };
}

/** JSON with Maps as objects. */
function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2)}\n`;
}

/** Which pod a reference that is not an exact namespace/name was taken for (on stderr: stdout stays the answer). */
function sourceNote(command: string, analysis: Analysis, ref: string): string {
  const note = lookupPod(analysis, ref).note;
  return note ? `meshpath ${command}: ${note}.\n` : '';
}

/** Bytes that are not UTF-8 in the files read, one line each (on stderr: the answer is still given, from the text). */
function readingNote(command: string, files: readonly ManifestFile[]): string {
  return problemsReading(files)
    .map((d) => `meshpath ${command}: ${d.file}:${d.range.start.line}:${d.range.start.column} ${d.message}\n`)
    .join('');
}

const HELP_RESULT: CommandResult = { stdout: USAGE, stderr: '', exitCode: 0 };

/**
 * `proxy-config ztunnel -f FILE...`: what every node's ztunnel knows, like istioctl ztunnel-config
 * workloads/services.
 */
function runZtunnelConfig(rest: readonly string[], readStdin: ReadStdin): CommandResult {
  const names: string[] = [];
  let json = false;
  const problem = walkOptions(rest, (flag, value, arg) => {
    if (flag === '-f' || flag === '--filename') {
      const file = value('a file name');
      if (file !== undefined) names.push(file);
    } else if (
      arg === '--json' ||
      arg === '-ojson' ||
      ((flag === '-o' || flag === '--output') && value('json') === 'json')
    )
      json = true;
    else return `Unknown option for proxy-config ztunnel: ${arg}`;
    return undefined;
  });
  if (problem === HELP) return HELP_RESULT;
  if (problem !== undefined || names.length === 0)
    return {
      stdout: '',
      stderr: `meshpath proxy-config: ${problem ?? 'ztunnel needs at least one -f FILE.'}\n`,
      exitCode: 2,
    };
  const files = readFiles(names, readStdin);
  if (typeof files === 'string') return { stdout: '', stderr: `meshpath proxy-config: ${files}\n`, exitCode: 2 };
  const tables = ztunnelConfigTables(analyze(files).model);
  if (json)
    return {
      stdout: toJson({
        workloads: tables.workloads.rows.map((r) =>
          Object.fromEntries(tables.workloads.headers.map((h, i) => [h, r.cells[i]])),
        ),
        services: tables.services.rows.map((r) =>
          Object.fromEntries(tables.services.headers.map((h, i) => [h, r.cells[i]])),
        ),
      }),
      stderr: '',
      exitCode: 0,
    };
  return {
    stdout: `WORKLOADS:\n${formatTable(tables.workloads)}\nSERVICES:\n${formatTable(tables.services)}`,
    stderr: '',
    exitCode: 0,
  };
}

function runProxyConfig(rest: readonly string[], readStdin: ReadStdin): CommandResult {
  if (rest[0] === 'ztunnel') return runZtunnelConfig(rest.slice(1), readStdin);
  const args = parseProxyConfigArgs(rest);
  if (args === HELP) return HELP_RESULT;
  if (typeof args === 'string')
    return { stdout: '', stderr: `meshpath proxy-config: ${args}\n\n${USAGE}`, exitCode: 2 };
  const files = readFiles(args.files, readStdin);
  if (typeof files === 'string') return { stdout: '', stderr: `meshpath proxy-config: ${files}\n`, exitCode: 2 };
  const analysis = analyze(files);
  const result = computeProxyConfig(analysis, args.pod);
  if (!result.ok) return { stdout: '', stderr: `meshpath proxy-config: ${result.reason}\n`, exitCode: 2 };
  const stderr = readingNote('proxy-config', files) + sourceNote('proxy-config', analysis, args.pod);
  if (args.json) {
    // As Envoy's config dump: the bootstrap's static listeners, routes and clusters too.
    const config = proxyConfigForDump(result.config);
    const pick = args.kind === 'all' ? config : { proxy: config.proxy, [args.kind]: config[args.kind] };
    return { stdout: toJson(pick), stderr, exitCode: 0 };
  }
  const tables = proxyConfigTables(result.config);
  const kinds = args.kind === 'all' ? (['listeners', 'routes', 'clusters', 'endpoints'] as const) : [args.kind];
  const text = kinds
    .map((kind) => (args.kind === 'all' ? `${kind.toUpperCase()}:\n` : '') + formatTable(tables[kind]))
    .join('\n');
  return { stdout: text, stderr, exitCode: 0 };
}

interface TraceArgs {
  files: string[];
  request: TraceRequest;
  options: TraceOptions;
  json: boolean;
  explain: boolean;
  intendedCluster: string | undefined;
}

function parseTraceArgs(args: readonly string[]): TraceArgs | Help | string {
  const files: string[] = [];
  const headers: Record<string, string> = {};
  let from: string | undefined;
  let to: string | undefined;
  const request: Partial<TraceRequest> = {};
  const options: TraceOptions = {};
  let json = false;
  let explain = false;
  let intendedCluster: string | undefined;
  const problem = walkOptions(args, (flag, value, arg) => {
    switch (flag) {
      case '--explain':
        explain = true;
        break;
      case '--intended-cluster':
        intendedCluster = value('a cluster name such as outbound|9080|v2|reviews.bookinfo.svc.cluster.local');
        break;
      case '-f':
      case '--filename': {
        const file = value('a file name');
        if (file !== undefined) files.push(file);
        break;
      }
      case '--from':
        from = value('NAMESPACE/POD');
        break;
      case '--to':
        to = value('a host, IP or URL');
        break;
      case '--port': {
        // A name (http, tcp-db) picks the destination Service's port of that name.
        const raw = value('a port number from 1 to 65535, or a port name');
        if (raw !== undefined && /^[a-z][-a-z0-9]*$/i.test(raw)) {
          request.portName = raw;
          break;
        }
        const port = readPort(() => raw);
        if (typeof port === 'string') return port;
        request.port = port;
        break;
      }
      case '--protocol': {
        const v = (value(`one of ${APP_PROTOCOLS.join(', ')}`) ?? '').toLowerCase();
        const known = APP_PROTOCOLS.find((p) => p === v);
        if (v !== '' && !known) return `--protocol must be one of ${APP_PROTOCOLS.join(', ')}, not ${v}.`;
        if (known) request.protocol = known;
        break;
      }
      case '--address':
        request.address = value('an IP');
        break;
      case '--path': {
        const v = value('a path');
        request.path = v === undefined || v.startsWith('/') ? v : `/${v}`;
        break;
      }
      case '--method':
        request.method = value('a method');
        break;
      case '--header':
      case '-H': {
        const v = value("'Name: value'");
        const colon = v?.indexOf(':') ?? -1;
        if (v !== undefined && colon <= 0) return `--header needs 'Name: value', not ${v}.`;
        if (v !== undefined) headers[v.slice(0, colon).trim()] = v.slice(colon + 1).trim();
        break;
      }
      case '--sni':
        request.sni = value('a name');
        break;
      case '--outbound-traffic-policy': {
        const v = (value('ALLOW_ANY, REGISTRY_ONLY or ALLOW_ANY_DYNAMIC_DNS') ?? '').toUpperCase();
        if (v === 'ALLOW_ANY' || v === 'REGISTRY_ONLY' || v === 'ALLOW_ANY_DYNAMIC_DNS')
          options.outboundTrafficPolicy = v;
        else if (v !== '')
          return `--outbound-traffic-policy must be ALLOW_ANY, REGISTRY_ONLY or ALLOW_ANY_DYNAMIC_DNS, not ${v}.`;
        break;
      }
      case '--dns-capture':
        options.dnsCapture = true;
        break;
      case '--cluster-domain':
        options.clusterDomain = value('a domain');
        break;
      case '--json':
        json = true;
        break;
      default:
        return `Unknown option for trace: ${arg}`;
    }
    return undefined;
  });
  if (problem !== undefined) return problem;
  if (files.length === 0) return 'trace needs at least one -f FILE.';
  if (!from) return 'trace needs --from NAMESPACE/POD.';
  if (!to) return 'trace needs --to HOST_OR_IP_OR_URL.';
  if (intendedCluster !== undefined && !explain) return '--intended-cluster goes with --explain.';
  return { files, request: { ...request, from, to, headers }, options, json, explain, intendedCluster };
}

function traceJson(trace: Trace, analysis: Analysis, explain?: WhyNot): string {
  const source = (s: {
    kind: string;
    namespace: string | undefined;
    name: string;
    file: string;
    range: { start: { line: number }; end: { line: number } };
  }) => ({
    kind: s.kind,
    namespace: s.namespace ?? null,
    name: s.name,
    file: s.file,
    line: s.range.start.line,
    endLine: s.range.end.line,
  });
  return toJson({
    outcome: trace.outcome,
    status: trace.status,
    responseFlags: trace.responseFlags,
    dns: trace.dns,
    hops: trace.hops,
    steps: trace.steps.map((step) => ({
      kind: step.kind,
      proxy: step.proxy ?? null,
      title: step.title,
      detail: step.detail,
      sources: step.sources.map(source),
      ...(step.alternatives && step.alternatives.length > 0 ? { alternatives: step.alternatives } : {}),
      ...(step.findings && step.findings.length > 0
        ? {
            findings: step.findings.map((d) => ({
              code: d.code,
              severity: d.severity,
              message: d.message,
              file: d.file,
              line: d.range.start.line,
              endLine: d.range.end.line,
            })),
          }
        : {}),
    })),
    request: trace.request,
    assumptions: [...trace.assumptions, ...analysis.assumptions.map((a) => a.message)],
    diagnostics: analysis.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      file: d.file,
      line: d.range.start.line,
      column: d.range.start.column,
    })),
    ...(explain ? { explain } : {}),
  });
}

/** What `--explain` adds under a trace: why, what was close, and the verified fixes as YAML to paste. */
function whyNotText(why: WhyNot): string {
  if (why.outcome === 'routed' && why.intendedCluster === undefined) return '';
  const lines = [
    '',
    why.intendedCluster ? `Why not ${why.intendedCluster}: ${why.reason}` : `Why ${why.outcome}: ${why.reason}`,
  ];
  if (why.alternatives.length > 0) {
    lines.push('Close alternatives:');
    for (const a of why.alternatives) lines.push(`  - ${a}`);
  }
  for (const change of why.requestChanges ?? []) {
    const r = change.result;
    lines.push(
      '',
      `Request change (verified: the request then goes ${r.outcome} via ${r.cluster ?? '-'}): ${change.title}`,
    );
    for (const [name, value] of Object.entries(change.headers)) lines.push(`  -H '${name}: ${value}'`);
  }
  if (why.fixes.length === 0 && !(why.intendedCluster && why.reason.startsWith('The request already')))
    lines.push(
      why.intendedCluster
        ? `No verified change to the manifests: Meshpath suggests only changes it has traced to ${why.intendedCluster}.`
        : 'No verified fix: Meshpath suggests only changes it has traced to a routed request.',
    );
  for (const fix of why.fixes) {
    const r = fix.result;
    lines.push('');
    const then = `${r.outcome}${r.status !== null ? ` ${r.status}` : ''}${r.cluster ? ` via ${r.cluster}` : ''}`;
    lines.push(`Fix (verified: the request is then ${then}): ${fix.title}`);
    const object = `${fix.object.namespace ? `${fix.object.namespace}/` : ''}${fix.object.name}`;
    const where = fix.object.file ? ` (${fix.object.file}:${fix.object.line ?? 1})` : '';
    lines.push(fix.change === 'edit' ? `Replace ${fix.object.kind} ${object}${where} with:` : 'Add:');
    lines.push('---', fix.yaml.trimEnd());
  }
  for (const r of why.rejected) lines.push(`Not suggested: ${r}`);
  return `${lines.join('\n')}\n`;
}

function traceText(trace: Trace): string {
  const lines: string[] = [];
  const r = trace.request;
  lines.push(`${r.method} ${r.protocol}://${r.host}:${r.port}${r.path} from ${r.from}`);
  lines.push('');
  trace.steps.forEach((step, index) => {
    lines.push(`${String(index + 1).padStart(2)}. [${step.kind}]${step.proxy ? ` ${step.proxy}:` : ''} ${step.title}`);
    lines.push(`    ${step.detail}`);
    for (const s of step.sources)
      lines.push(`    ← ${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name} (${s.file}:${s.range.start.line})`);
    for (const d of step.findings ?? []) lines.push(`    ! ${d.code} ${d.message} (${d.file}:${d.range.start.line})`);
  });
  lines.push('');
  lines.push(
    `Outcome: ${trace.outcome}${trace.status !== null ? ` ${trace.status}` : ''} (flags ${trace.responseFlags})`,
  );
  for (const hop of trace.hops)
    if (hop.accessLog) lines.push(`Access log ${hop.proxy} (${hop.direction}): ${hop.accessLog}`);
  for (const a of trace.assumptions) lines.push(`Assumed: ${a}`);
  return `${lines.join('\n')}\n`;
}

function runTrace(rest: readonly string[], readStdin: ReadStdin): CommandResult {
  const args = parseTraceArgs(rest);
  if (args === HELP) return HELP_RESULT;
  if (typeof args === 'string') return { stdout: '', stderr: `meshpath trace: ${args}\n\n${USAGE}`, exitCode: 2 };
  const files = readFiles(args.files, readStdin);
  if (typeof files === 'string') return { stdout: '', stderr: `meshpath trace: ${files}\n`, exitCode: 2 };
  // The same cluster domain for the model (Ingress-derived VirtualServices name their backends in it) and the trace.
  const analysis = analyze(files, { clusterDomain: args.options.clusterDomain });
  const result = traceRequest(analysis, args.request, args.options);
  if (!result.ok) return { stdout: '', stderr: `meshpath trace: ${result.reason}\n`, exitCode: 2 };
  const why = args.explain
    ? explainWhyNot(
        (f, clusterDomain) => analyze(f, { clusterDomain }),
        files,
        args.request,
        args.options,
        args.intendedCluster,
      )
    : undefined;
  const explained = typeof why === 'object' ? why : undefined;
  return {
    stdout: args.json
      ? traceJson(result.trace, analysis, explained)
      : traceText(result.trace) + (explained ? whyNotText(explained) : ''),
    stderr: readingNote('trace', files) + sourceNote('trace', analysis, args.request.from),
    exitCode: 0,
  };
}

/**
 * Runs one command. Everything it prints passes through escapeInvisible: a bidi control or zero-width character in a
 * name or host prints as `\u202E`. In --json output that is JSON's own escape, so a JSON reader still gets the name
 * exactly as written, while a terminal shows what it is.
 */
export function runCli(argv: readonly string[], readStdin: ReadStdin = () => readFileSync(0)): CommandResult {
  const result = runCommand(argv, readStdin);
  return { ...result, stdout: escapeInvisible(result.stdout), stderr: escapeInvisible(result.stderr) };
}

function runCommand(argv: readonly string[], readStdin: ReadStdin): CommandResult {
  const [command, ...rest] = argv;
  if (command === undefined) return { stdout: '', stderr: USAGE, exitCode: 2 };
  if (command === '-h' || command === '--help' || command === 'help') return HELP_RESULT;
  if (command === 'proxy-config' || command === 'pc') return runProxyConfig(rest, readStdin);
  if (command === 'trace') return runTrace(rest, readStdin);
  if (command === 'test') return runTest(rest, readStdin, USAGE);
  if (command === 'diff') return runDiff(rest, readStdin, USAGE);
  if (command !== 'check') {
    return { stdout: '', stderr: `meshpath: unknown command "${command}"\n\n${USAGE}`, exitCode: 2 };
  }
  const args = parseCheckArgs(rest);
  if (args === HELP) return HELP_RESULT;
  if (typeof args === 'string') return { stdout: '', stderr: `meshpath check: ${args}\n\n${USAGE}`, exitCode: 2 };
  const files = readFiles(args.files, readStdin);
  if (typeof files === 'string') return { stdout: '', stderr: `meshpath check: ${files}\n`, exitCode: 2 };
  const analysis = analyze(files);
  // Bytes that are not UTF-8 come first: kubectl refuses those files before reading anything in them.
  const diagnostics = [...problemsReading(files), ...analysis.diagnostics];
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  return {
    stdout: args.json ? checkJson(analysis, diagnostics) : checkText(analysis, diagnostics),
    stderr: '',
    exitCode: hasErrors ? 1 : 0,
  };
}

/** Entry point used by bin/meshpath.mjs. */
export function main(argv: readonly string[]): number {
  const result = runCli(argv);
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.stderr) process.stderr.write(result.stderr);
  return result.exitCode;
}
