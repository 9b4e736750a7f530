import {
  analyze,
  APP_PROTOCOLS,
  traceRequest,
  type Analysis,
  type ManifestFile,
  type TraceOptions,
  type TraceRequest,
  type TraceResult,
} from '../core/index.ts';
import type { MeshOptions, RequestInput } from './scenarioCodec.ts';

/** Everything the app computes from its inputs, in one call: the same contract in the Web Worker and on the main thread. */
export interface EngineInput {
  files: ManifestFile[];
  request: RequestInput;
  options: MeshOptions;
}

export interface EngineOutput {
  analysis: Analysis;
  trace: TraceResult | undefined;
}

/** The request form as the core's TraceRequest, or why it cannot be one yet. */
export function toTraceRequest(input: RequestInput): TraceRequest | string {
  if (input.from.trim() === '') return 'Pick a source pod.';
  if (input.to.trim() === '') return 'Type a destination: a hostname, an IP or a URL.';
  const request: TraceRequest = { from: input.from.trim(), to: input.to.trim() };
  if (input.port.trim() !== '') {
    const port = Number(input.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      return `Port must be a number from 1 to 65535, not ${input.port}.`;
    request.port = port;
  }
  if (input.protocol !== '') {
    const protocol = APP_PROTOCOLS.find((p) => p === input.protocol);
    if (!protocol) return `Unknown protocol ${input.protocol}.`;
    request.protocol = protocol;
  }
  if (input.method.trim() !== '') request.method = input.method.trim();
  if (input.path.trim() !== '')
    request.path = input.path.trim().startsWith('/') ? input.path.trim() : `/${input.path.trim()}`;
  if (input.sni.trim() !== '') request.sni = input.sni.trim();
  const address = input.address?.trim() ?? '';
  if (address !== '') request.address = address;
  const headers: Record<string, string> = {};
  for (const line of input.headers.split('\n')) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return `A header must be "Name: value", not "${line.trim()}".`;
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  if (Object.keys(headers).length > 0) request.headers = headers;
  return request;
}

export function toTraceOptions(options: MeshOptions): TraceOptions {
  return {
    ...(options.outboundTrafficPolicy !== 'manifests' ? { outboundTrafficPolicy: options.outboundTrafficPolicy } : {}),
    ...(options.dnsCapture !== 'manifests' ? { dnsCapture: options.dnsCapture === 'on' } : {}),
  };
}

export function runEngine(input: EngineInput): EngineOutput {
  const analysis = analyze(input.files);
  const request = toTraceRequest(input.request);
  if (typeof request === 'string')
    return {
      analysis,
      trace: input.request.from === '' && input.request.to === '' ? undefined : { ok: false, reason: request },
    };
  return { analysis, trace: traceRequest(analysis, request, toTraceOptions(input.options)) };
}
