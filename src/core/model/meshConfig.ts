import {
  describeValue,
  field,
  isRecord,
  parseEmbeddedYaml,
  stringField,
  type ManifestObject,
} from '../manifest/parse.ts';
import type { ObjectReader } from '../manifest/reader.ts';
import { readLabelSelector, toStringMap } from './labels.ts';
import type { MeshConfig, ObjectSource } from './mesh.ts';

/** Istio's defaults for the fields Meshpath reads (pkg/config/mesh/mesh.go: DefaultMeshConfig). */
export function defaultMeshConfig(): MeshConfig {
  return {
    rootNamespace: 'istio-system',
    trustDomain: 'cluster.local',
    outboundTrafficPolicy: 'ALLOW_ANY',
    inboundTrafficPolicy: 'PASSTHROUGH',
    enableAutoMtls: true,
    ingressClass: 'istio',
    ingressControllerMode: 'STRICT',
    ingressService: 'istio-ingressgateway',
    ingressSelector: undefined,
    defaultServiceExportTo: ['*'],
    defaultVirtualServiceExportTo: ['*'],
    defaultDestinationRuleExportTo: ['*'],
    defaultProxyMetadata: new Map(),
    accessLogFile: '',
    source: undefined,
  };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/**
 * Overlays one MeshConfig document on the defaults, reporting values istiod would reject. `at` names the field the
 * document came from (for positions), since text inside a block scalar has no positions of its own.
 */
function applyMeshConfig(config: MeshConfig, value: unknown, reader: ObjectReader, at: ReadonlyArray<string>): void {
  if (!isRecord(value)) return;
  config.rootNamespace = stringField(value, 'rootNamespace') ?? config.rootNamespace;
  config.trustDomain = stringField(value, 'trustDomain') ?? config.trustDomain;
  const aliases = stringList(field(value, 'trustDomainAliases'));
  if (aliases) config.trustDomainAliases = aliases;
  const trusted = field(field(field(value, 'defaultConfig'), 'gatewayTopology'), 'numTrustedProxies');
  if (typeof trusted === 'number' && Number.isInteger(trusted) && trusted >= 0) config.numTrustedProxies = trusted;
  const normalization = field(field(value, 'pathNormalization'), 'normalization');
  if (typeof normalization === 'string') config.pathNormalization = normalization;
  const providers = field(value, 'extensionProviders');
  if (Array.isArray(providers))
    config.extAuthzProviders = providers
      .filter((p) => field(p, 'envoyExtAuthzHttp') !== undefined || field(p, 'envoyExtAuthzGrpc') !== undefined)
      .map((p) => field(p, 'name'))
      .filter((n): n is string => typeof n === 'string');
  config.ingressClass = stringField(value, 'ingressClass') ?? config.ingressClass;
  config.ingressService = stringField(value, 'ingressService') ?? config.ingressService;
  config.ingressSelector = stringField(value, 'ingressSelector') ?? config.ingressSelector;
  config.accessLogFile = stringField(value, 'accessLogFile') ?? config.accessLogFile;
  const mode = field(field(value, 'outboundTrafficPolicy'), 'mode');
  if (mode === 'ALLOW_ANY' || mode === 'REGISTRY_ONLY') config.outboundTrafficPolicy = mode;
  else if (mode === 'ALLOW_ANY_DYNAMIC_DNS') {
    config.outboundTrafficPolicy = 'ALLOW_ANY';
    config.allowAnyDynamicDns = true;
  } else if (mode !== undefined) {
    reader.report(
      'error',
      'INVALID_VALUE',
      `outboundTrafficPolicy.mode must be ALLOW_ANY, REGISTRY_ONLY or ALLOW_ANY_DYNAMIC_DNS, not ` +
        `${describeValue(mode)}; istiod would ` +
        `not load this mesh config.`,
      at,
      true,
    );
  }
  const inbound = field(field(value, 'inboundTrafficPolicy'), 'mode');
  if (inbound === 'PASSTHROUGH' || inbound === 'LOCALHOST') config.inboundTrafficPolicy = inbound;
  const autoMtls = field(value, 'enableAutoMtls');
  if (typeof autoMtls === 'boolean') config.enableAutoMtls = autoMtls;
  const ingressMode = field(value, 'ingressControllerMode');
  if (ingressMode === 'DEFAULT' || ingressMode === 'STRICT' || ingressMode === 'OFF')
    config.ingressControllerMode = ingressMode;
  config.defaultServiceExportTo = stringList(field(value, 'defaultServiceExportTo')) ?? config.defaultServiceExportTo;
  config.defaultVirtualServiceExportTo =
    stringList(field(value, 'defaultVirtualServiceExportTo')) ?? config.defaultVirtualServiceExportTo;
  config.defaultDestinationRuleExportTo =
    stringList(field(value, 'defaultDestinationRuleExportTo')) ?? config.defaultDestinationRuleExportTo;
  const selectors = field(value, 'discoverySelectors');
  if (Array.isArray(selectors)) config.discoverySelectors = selectors.filter(isRecord).map(readLabelSelector);
  const metadata = toStringMap(field(field(value, 'defaultConfig'), 'proxyMetadata'));
  if (metadata.size > 0) config.defaultProxyMetadata = new Map([...config.defaultProxyMetadata, ...metadata]);
  const proxyHeaders = field(field(value, 'defaultConfig'), 'proxyHeaders');
  if (isRecord(proxyHeaders)) config.defaultProxyHeaders = proxyHeaders;
}

export interface MeshConfigSource {
  object: ManifestObject;
  reader: ObjectReader;
  source: ObjectSource;
}

/**
 * The mesh config: the `mesh` key of ConfigMap `istio` in the istiod namespace (istio-system), or an IstioOperator's
 * spec.meshConfig; Istio's defaults otherwise. istiod reads the ConfigMap key in pkg/config/mesh/kubemesh/watcher.go.
 */
export function readMeshConfig(candidates: readonly MeshConfigSource[]): MeshConfig {
  const config = defaultMeshConfig();
  const configMaps = candidates.filter(({ object }) => object.kind === 'ConfigMap' && object.name === 'istio');
  const configMap = configMaps.find(({ object }) => object.namespace === 'istio-system') ?? configMaps[0];
  const operator = candidates.find(({ object }) => object.kind === 'IstioOperator');
  if (configMap) {
    const meshText = configMap.reader.string(['data', 'mesh']);
    if (meshText !== undefined) {
      const parsed = parseEmbeddedYaml(meshText);
      if (parsed.ok) applyMeshConfig(config, parsed.value, configMap.reader, ['data', 'mesh']);
      else
        configMap.reader.report(
          'error',
          'YAML_SYNTAX',
          `The mesh config in data.mesh is not valid YAML (its line ${parsed.line}: ${parsed.reason}); Istio's ` +
            `defaults are used.`,
          ['data', 'mesh'],
          true,
        );
    }
    config.source = configMap.source;
  } else if (operator) {
    applyMeshConfig(config, operator.reader.mapping(['spec', 'meshConfig']), operator.reader, ['spec', 'meshConfig']);
    config.source = operator.source;
  }
  const ipAutoallocate = istiodEnv(candidates, operator, 'PILOT_ENABLE_IP_AUTOALLOCATE');
  if (ipAutoallocate !== undefined) config.ipAutoallocate = ipAutoallocate.toLowerCase() !== 'false';
  return config;
}

/** One istiod environment variable: from the istiod Deployment's containers, else IstioOperator values.pilot.env. */
function istiodEnv(
  candidates: readonly MeshConfigSource[],
  operator: MeshConfigSource | undefined,
  name: string,
): string | undefined {
  for (const { object, reader } of candidates) {
    if (object.kind !== 'Deployment') continue;
    for (let c = 0; c < reader.list(['spec', 'template', 'spec', 'containers']).length; c++) {
      const env = ['spec', 'template', 'spec', 'containers', c, 'env'];
      for (let e = 0; e < reader.list(env).length; e++)
        if (reader.string([...env, e, 'name']) === name) return reader.string([...env, e, 'value']);
    }
  }
  const value = operator?.reader.get(['spec', 'values', 'pilot', 'env', name]);
  return typeof value === 'string' || typeof value === 'boolean' ? String(value) : undefined;
}
