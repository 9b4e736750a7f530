/**
 * Where something is in the user's text. Lines and columns are 1-based; columns count UTF-16 code units, as Monaco
 * does.
 */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface SourceRange {
  start: SourcePosition;
  end: SourcePosition;
}

export type Severity = 'error' | 'warning' | 'info';

/** Stable codes a user (or a CI script) can search for. */
export type DiagnosticCode =
  | 'YAML_SYNTAX'
  | 'YAML_DUPLICATE_KEY'
  | 'YAML_CUSTOM_TAG'
  | 'INVALID_UTF8'
  | 'YAML_ALIAS_LIMIT'
  | 'YAML_TOO_DEEP'
  | 'INPUT_TOO_LARGE'
  | 'NOT_AN_OBJECT'
  | 'MISSING_API_VERSION'
  | 'MISSING_KIND'
  | 'MISSING_NAME'
  | 'LIST_ITEMS_NOT_A_SEQUENCE'
  | 'NOT_MODELLED'
  | 'UNKNOWN_KIND'
  | 'UNKNOWN_API_VERSION'
  | 'INVALID_NAME'
  | 'WRONG_TYPE'
  | 'MISSING_FIELD'
  | 'INVALID_VALUE'
  | 'YAML11_BOOLEAN'
  | 'YAML11_NUMBER'
  | 'DUPLICATE_OBJECT'
  | 'ROUTE_NOT_ACCEPTED'
  | 'ROUTE_REFS_UNRESOLVED'
  | 'LISTENER_NOT_ACCEPTED'
  | 'GATEWAY_NOT_ACCEPTED'
  | 'GATEWAY_NOT_PROGRAMMED'
  | 'MIXED_ROUTE_APIS'
  // Cross-object analysis (src/core/analyzers): istioctl analyze's codes (pkg/config/analysis/msg/messages.yaml)…
  | 'IST0101'
  | 'IST0109'
  | 'IST0110'
  | 'IST0111'
  | 'IST0112'
  | 'IST0118'
  | 'IST0127'
  | 'IST0130'
  | 'IST0131'
  | 'IST0132'
  | 'IST0134'
  | 'IST0137'
  | 'IST0145'
  | 'IST0162'
  | 'IST0173'
  | 'IST0174'
  | 'IST0177'
  // …and Meshpath's own.
  | 'EGRESS_HOST_NOT_FOUND'
  | 'PEER_AUTHENTICATION_IGNORED'
  | 'DESTINATION_RULES_MERGED'
  | 'DESTINATION_RULE_SHADOWED'
  | 'SERVICE_ENTRY_HOST_CONFLICT'
  | 'WEIGHTS_NOT_100'
  | 'TARGET_PORT_NOT_FOUND'
  | 'TARGET_PORT_INVALID'
  | 'TLS_TO_STRICT'
  | 'AUTHZ_HTTP_ONLY_ON_TCP'
  | 'AUTHZ_DENY_ALL'
  | 'AUTHZ_ALLOW_DENIES_OTHERS'
  | 'SIDECAR_HIDES_HOSTS'
  | 'SERVICE_ENTRY_NO_ADDRESS';

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  file: string;
  range: SourceRange;
}
