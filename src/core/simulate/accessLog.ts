/**
 * Access-log lines in Istio's default format (EnvoyTextLogFormat in pilot/pkg/model/telemetry_logging.go), one per
 * proxy on the path. A proxy that forwards the request logs what came back from further along, so the lines are
 * written last, from the end of the path back to the application: every line agrees with the next one and with the
 * status and flags the application sees.
 */

/** What a proxy on the path did with the request, before the answer from further along is known. */
export interface HopLog {
  /** An HTTP connection manager logs the request; a TCP proxy (or a listener with no chain) logs the connection. */
  http: boolean;
  /** The proxy answered or closed the connection itself; undefined when it forwarded upstream. */
  own:
    | {
        code: number | null;
        flags: string;
        details: string;
        /** How the connection ends for the sender when there is no HTTP answer. */
        closes: 'reset' | 'handshake' | 'refused';
        /** Nothing listens there: the kernel refuses the connection and Envoy logs nothing. */
        silent?: boolean;
      }
    | undefined;
  method: string;
  /** %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%. */
  path: string;
  /** HTTP/1.1 or HTTP/2: the protocol of the connection this proxy received. */
  protocol: string;
  authority: string;
  userAgent: string;
  requestId: string;
  /** %REQ(X-FORWARDED-FOR)% after this proxy's connection manager changed it; undefined when absent. */
  xff: string | undefined;
  upstreamHost: string;
  cluster: string;
  /** The proxy's own address and ephemeral port on the upstream connection, when it opened one. */
  upstreamLocal: string;
  downstreamLocal: string;
  downstreamRemote: string;
  sni: string | undefined;
  route: string;
  /** A fault delay held the request before it went on (Envoy flags it DI whatever happens next). */
  delayed?: boolean;
}

/** What came back to a proxy from further along the path. */
export type Answer =
  | { kind: 'http'; code: number; body: number }
  /** A TCP stream that worked end to end. */
  | { kind: 'stream' }
  /** The connection was refused (kube-proxy rejects a Service port with no ready endpoint). */
  | { kind: 'refused' }
  /** The upstream TLS handshake failed; `plaintextPeer`: the peer answered in plaintext. */
  | { kind: 'handshake'; plaintextPeer: boolean }
  /** The connection was closed without an answer. */
  | { kind: 'reset' };

// Bodies of Envoy's local replies (the byte count a line logs as %BYTES_SENT%).
const LOCAL_REPLY_BODY: Record<string, string> = {
  no_healthy_upstream: 'no healthy upstream',
  fault_filter_abort: 'fault filter abort',
  connection_failure: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
  connection_termination:
    'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
};

function bodyOf(details: string): number {
  if (details.startsWith('rbac_access_denied')) return 'RBAC: access denied'.length;
  // jwt_authn_access_denied{message}: the body is the message (its spaces became underscores in the details).
  if (details.startsWith('jwt_authn_access_denied{')) return details.length - 'jwt_authn_access_denied{}'.length;
  return LOCAL_REPLY_BODY[details]?.length ?? 0;
}

const WRONG_VERSION = 'TLS_error:|268435703:SSL_routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end';

/** One finished line: response code, flags and details, given the proxy's own decision or the answer it got. */
interface Line {
  code: number;
  flags: string;
  details: string;
  termination: string;
  failure: string;
  upstreamLocal: string;
  bytesSent: number;
  duration: string;
  serviceTime: string;
}

function finish(log: HopLog, answer: Answer): { line: Line; passes: Answer } {
  const { line, passes } = finishLine(log, answer);
  return { line: log.delayed ? { ...line, flags: withDelayFlag(line.flags) } : line, passes };
}

/**
 * Envoy's fault filter marks every delayed stream DelayInjected; flags print in Envoy's enum order, where DI follows
 * the upstream and NR flags and comes before FI (envoy: source/common/stream_info/utility.cc).
 */
function withDelayFlag(flags: string): string {
  if (flags === '-') return 'DI';
  const parts = flags.split(',');
  const fi = parts.indexOf('FI');
  if (fi < 0) return [...parts, 'DI'].join(',');
  return [...parts.slice(0, fi), 'DI', ...parts.slice(fi)].join(',');
}

function finishLine(log: HopLog, answer: Answer): { line: Line; passes: Answer } {
  const base = { termination: '-', failure: '-', upstreamLocal: log.upstreamLocal, duration: '0', serviceTime: '-' };
  if (log.own) {
    const { code, flags, details } = log.own;
    const termination = !log.http && details.startsWith('rbac_') ? details : '-';
    const body = bodyOf(details);
    const line: Line = {
      ...base,
      code: log.http ? (code ?? 0) : 0,
      flags,
      details: log.http ? details : termination !== '-' ? '-' : details,
      termination,
      upstreamLocal: '-',
      bytesSent: log.http ? body : 0,
    };
    const closed: Answer =
      log.own.closes === 'handshake' ? { kind: 'handshake', plaintextPeer: false } : { kind: log.own.closes };
    return { line, passes: log.http && code !== null ? { kind: 'http', code, body } : closed };
  }
  const forwarded = { ...base, duration: '1' };
  if (!log.http) {
    // A TCP proxy passes whatever comes back; it flags only an upstream connection it could not make.
    if (answer.kind === 'refused' || answer.kind === 'handshake')
      return {
        line: {
          ...forwarded,
          code: 0,
          flags: 'UF',
          details: '-',
          failure: answer.kind === 'handshake' && answer.plaintextPeer ? WRONG_VERSION : '-',
          upstreamLocal: '-',
          bytesSent: 0,
        },
        passes: { kind: 'reset' },
      };
    return { line: { ...forwarded, code: 0, flags: '-', details: '-', bytesSent: 0 }, passes: answer };
  }
  switch (answer.kind) {
    case 'http':
      return {
        line: {
          ...forwarded,
          code: answer.code,
          flags: '-',
          details: 'via_upstream',
          bytesSent: answer.body,
          serviceTime: '1',
        },
        passes: answer,
      };
    case 'stream':
      return {
        line: { ...forwarded, code: 200, flags: '-', details: 'via_upstream', bytesSent: 0, serviceTime: '1' },
        passes: { kind: 'http', code: 200, body: 0 },
      };
    case 'refused':
    case 'handshake': {
      const details = 'connection_failure';
      const body = bodyOf(details);
      return {
        line: {
          ...forwarded,
          code: 503,
          flags: 'UF',
          details: `upstream_reset_before_response_started{${details}}`,
          failure: answer.kind === 'handshake' && answer.plaintextPeer ? WRONG_VERSION : '-',
          upstreamLocal: '-',
          bytesSent: body,
        },
        passes: { kind: 'http', code: 503, body },
      };
    }
    case 'reset': {
      const details = 'connection_termination';
      const body = bodyOf(details);
      return {
        line: {
          ...forwarded,
          code: 503,
          flags: 'UC',
          details: `upstream_reset_before_response_started{${details}}`,
          bytesSent: body,
        },
        passes: { kind: 'http', code: 503, body },
      };
    }
  }
}

const START_TIME = '1970-01-01T00:00:00.000Z';

function format(log: HopLog, line: Line): string {
  const q = (value: string | undefined) => `"${value ?? '-'}"`;
  const tail =
    `${q(log.upstreamHost)} ${log.cluster} ${line.upstreamLocal} ${log.downstreamLocal} ${log.downstreamRemote} ` +
    `${log.sni ?? '-'}`;
  if (!log.http)
    return (
      `[${START_TIME}] "- - -" 0 ${line.flags} ${line.details} ${line.termination} ${q(line.failure)} ` +
      `0 ${line.bytesSent} ${line.duration} - "-" "-" "-" "-" ${tail} -`
    );
  return (
    `[${START_TIME}] "${log.method} ${log.path} ${log.protocol}" ${line.code} ${line.flags} ${line.details} ` +
    `${line.termination} ${q(line.failure)} 0 ${line.bytesSent} ${line.duration} ${line.serviceTime} ${q(log.xff)} ` +
    `${q(log.userAgent)} ${q(log.requestId)} ${q(log.authority)} ${tail} ${log.route || '-'}`
  );
}

/**
 * Writes every hop's line from the last to the first, each with what came back to it, and returns what the
 * application gets: the status (null when no HTTP answer reaches it) and the first flags a proxy on the path logged.
 */
export function writeAccessLogs(
  logs: Array<{ log: HopLog; write: (line: string) => void }>,
  after: Answer,
): { answer: Answer; flags: string } {
  let answer = after;
  const flags: string[] = [];
  for (const { log, write } of [...logs].reverse()) {
    const { line, passes } = finish(log, answer);
    if (!log.own?.silent) {
      write(format(log, line));
      flags.unshift(line.flags);
    }
    answer = passes;
  }
  return { answer, flags: flags.find((f) => f !== '-') ?? '-' };
}
