/**
 * The one error catalogue. Every error the platform raises on purpose carries one of these
 * stable codes; at the GraphQL edge it becomes `extensions.code`.
 */
export const ErrorCodes = {
  // request edge (GraphQL)
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // configuration
  CONFIG_INVALID: 'CONFIG_INVALID',
  CONNECTOR_UNKNOWN_KIND: 'CONNECTOR_UNKNOWN_KIND',
  CONNECTOR_NOT_STARTED: 'CONNECTOR_NOT_STARTED',
  CONNECTOR_UNAVAILABLE: 'CONNECTOR_UNAVAILABLE',
  CAPABILITY_UNSUPPORTED: 'CAPABILITY_UNSUPPORTED',
  EVENT_LOG_GROUP_ACTIVE: 'EVENT_LOG_GROUP_ACTIVE',
  // data path
  EVENT_INVALID: 'EVENT_INVALID',
  EVENT_LATE: 'EVENT_LATE',
  CHANGE_INVALID: 'CHANGE_INVALID',
  TOPIC_UNKNOWN: 'TOPIC_UNKNOWN',
  WAREHOUSE_QUERY_FAILED: 'WAREHOUSE_QUERY_FAILED',
  WAREHOUSE_ROW_REJECTED: 'WAREHOUSE_ROW_REJECTED',
  SQL_PARAM_INVALID: 'SQL_PARAM_INVALID',
  // models
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_INPUT_INVALID: 'MODEL_INPUT_INVALID',
  MODEL_RUN_FAILED: 'MODEL_RUN_FAILED',
  /** A Production model card fails its deployment gate (schema/model-gates.ts). Status 500 (a registry/config fault), not safe to show callers. */
  MODEL_GATE_FAILED: 'MODEL_GATE_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Codes that are safe to show to a caller as they are (the rest are masked in production). */
export const PUBLIC_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'NOT_FOUND',
  'MODEL_NOT_FOUND',
  'MODEL_INPUT_INVALID',
  'CAPABILITY_UNSUPPORTED',
  'CONNECTOR_UNAVAILABLE',
]);

export class PlatformError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PlatformError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

export function isPlatformError(e: unknown): e is PlatformError {
  return e instanceof PlatformError;
}

/** A readable message from anything thrown. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
