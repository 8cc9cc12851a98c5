/**
 * The one error catalogue, kept the way Fastify keeps its own (lib/errors.js + docs/Reference/
 * Errors.md): every error the platform raises on purpose has a stable code here with its HTTP
 * status, how much of it callers may see, and a message template. `docs/errors.md` is generated
 * from it (`node scripts/errors-doc.ts`) and test/unit/error-catalogue.test.ts checks that every
 * code is documented and used. At the GraphQL edge the code becomes `extensions.code`.
 *
 * `expose`:
 * - `message`: the caller's own doing; code, message and primitive details are shown as they are.
 * - `code`: code and the catalogue's generic message (the template, which names nothing internal)
 *   are shown; the instance's message and details (hosts, ports, SQL) go to the logs only.
 * - `none`: internal; logged with the request id, masked as INTERNAL_SERVER_ERROR in production.
 */
export type Exposure = 'message' | 'code' | 'none';

export interface ErrorSpec {
  /** HTTP status when this error decides the response (GraphQL results with data stay 200). */
  readonly status: number;
  readonly expose: Exposure;
  /** Message template; `{name}` is filled from params by `formatError`. For `expose: 'code'` it is what callers see. */
  readonly message: string;
  /** One line for docs/errors.md: when it happens and what to do. */
  readonly description: string;
}

export const ERROR_CATALOGUE = {
  // request edge (GraphQL)
  BAD_USER_INPUT: { status: 400, expose: 'message', message: 'Invalid input: {reason}', description: 'An argument or variable was refused (wrong type, out of range, unknown id format). Fix the request.' },
  GRAPHQL_PARSE_FAILED: { status: 400, expose: 'message', message: 'Syntax error: {reason}', description: 'The document is not valid GraphQL syntax (raised by the GraphQL runtime).' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, expose: 'message', message: '{reason}', description: 'The document does not validate against the schema (raised by the GraphQL runtime).' },
  NOT_FOUND: { status: 404, expose: 'message', message: '{what} {id} not found', description: 'The requested object does not exist.' },
  INTERNAL_SERVER_ERROR: { status: 500, expose: 'none', message: 'Internal server error', description: 'Something failed inside; the log line with the same requestId says what.' },
  SUBGRAPH_UNAVAILABLE: { status: 502, expose: 'code', message: 'A backing service did not answer; the fields it resolves are null.', description: 'A subgraph could not be reached or failed; the rest of the data is returned and `extensions.serviceName` names the subgraph.' },
  GATEWAY_UNAVAILABLE: { status: 503, expose: 'code', message: 'The gateway is starting or restarting; retry shortly.', description: 'The gateway thread is loading or being restarted; /health still answers. Retry after the Retry-After delay.' },
  // auth (gateway/plugins/auth*, subgraphs/common/signature.ts)
  UNAUTHENTICATED: { status: 401, expose: 'message', message: '{reason}', description: 'No, a bad or an expired credential where a field needs a caller (Bearer JWT or API key); graphql-ws closes with 4401. Send a valid token.' },
  FORBIDDEN: { status: 403, expose: 'message', message: '{field} requires one of the roles: {roles}', description: 'The caller lacks a role a field requires (@requiresScopes in the subgraph SDL); graphql-ws closes with 4403 when the caller has no role at all.' },
  SUBGRAPH_SIGNATURE_INVALID: { status: 403, expose: 'message', message: 'this subgraph answers only requests signed by the gateway', description: 'A subgraph request without a valid gateway HMAC signature (refused in production; a wrong one always). Call the gateway, not the subgraph.' },
  AUTH_NOT_CONFIGURED: { status: 500, expose: 'none', message: 'production needs {what}', description: 'Production start without authentication (JWT secret, JWKS or API keys) or without the HMAC secret subgraphs check; set GOFUTURE_JWT_SECRET / GOFUTURE_HMAC_SECRET.' },
  // request limits and browser safety (gateway/plugins/*, subgraph body limit)
  LIMIT_EXCEEDED: { status: 400, expose: 'message', message: 'request exceeds the {limit} limit of {max}', description: 'A request limit was exceeded; `extensions.limit` names it (tokens, depth, aliases, directives, fields, cost, predictionInputs: 400; bodyBytes, variablesBytes: 413; subscriptionsPerConnection, subscriptionsPerPrincipal) and `max` its bound. Send less, or raise `gateway.limits`.' },
  // live subscriptions (graphql-ws close reasons, docs/decisions/0029-subs.md)
  /** no HTTP status of its own (a WebSocket close 4413); safe to show callers */
  SUBSCRIPTION_BACKLOG_EXCEEDED: { status: 429, expose: 'message', message: 'the client did not read its subscription updates: more than {max} waiting', description: 'A graphql-ws client stopped reading (or reads slower than updates arrive) and its per-client queue passed `maxQueuedMessages`: the gateway closes it with 4413 so the other clients are not held up. Read faster, subscribe to less, then reconnect.' },
  /** WebSocket close 4401; safe to show callers */
  SUBSCRIPTION_TOKEN_EXPIRED: { status: 401, expose: 'message', message: 'the token of this connection expired at {at}', description: 'The JWT sent in connection_init expired: the gateway closes the graphql-ws connection with 4401 and every subscription on it ends. Reconnect with a fresh token.' },
  RATE_LIMITED: { status: 429, expose: 'message', message: 'rate limit exceeded; retry in {retryAfterSeconds} s', description: 'The caller (principal, else client IP) spent its `gateway.limits.rateLimit` budget; `extensions.retryAfterSeconds` and Retry-After say when to retry.' },
  REQUEST_TIMEOUT: { status: 504, expose: 'message', message: 'request deadline of {timeoutMs} ms passed; upstream calls aborted', description: 'A query or mutation ran past `gateway.limits.requestTimeoutMs`; its subgraph calls were aborted.' },
  BAD_REQUEST: { status: 400, expose: 'message', message: '{reason}', description: 'The HTTP request is malformed: a POST with no body, invalid JSON, a batch array (gateway and subgraphs).' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, expose: 'message', message: 'POST bodies must be JSON (content-type: application/json)', description: 'A POST with a form, multipart or text/plain body: the content types a browser sends cross-origin without preflight are refused (CSRF).' },
  CSRF_REFUSED: { status: 403, expose: 'message', message: 'GET requests must carry the {header} header', description: 'With `gateway.cors.csrfHeader` set, a GET without that header is refused (forces a CORS preflight).' },
  PERSISTED_QUERY_NOT_FOUND: { status: 400, expose: 'message', message: 'persisted operation not found in the manifest', description: 'The sha256Hash or documentId is not in `gateway.persistedOperations.manifest`; build it with `gofuture persisted build`.' },
  PERSISTED_QUERY_REQUIRED: { status: 400, expose: 'message', message: 'only persisted operations are allowed: send extensions.persistedQuery.sha256Hash or documentId', description: 'Allow-list mode (`persistedOperations.allowListOnly`): documents not in the manifest do not run.' },
  // configuration and start
  CONFIG_INVALID: { status: 500, expose: 'none', message: 'invalid config at {path}: {reason}', description: 'A config value, flag or supergraph is wrong; the start stops with one line naming the key (exit 78).' },
  LISTEN_FAILED: { status: 500, expose: 'none', message: 'cannot listen on {host}:{port}: {reason}', description: 'A server could not bind its port (in use, no permission). Free the port or choose another.' },
  CONNECTOR_UNKNOWN_KIND: { status: 500, expose: 'none', message: 'unknown {capability} kind "{kind}"', description: 'A connector config names a kind no factory is registered for.' },
  CONNECTOR_NOT_STARTED: { status: 503, expose: 'none', message: '{connector} is not started', description: 'A connector was used before start() or after close().' },
  CONNECTOR_UNAVAILABLE: { status: 503, expose: 'code', message: 'A backing service is unavailable; retry later.', description: 'A connector cannot reach its service (broker, database, store); details with host and port are in the logs.' },
  CAPABILITY_UNSUPPORTED: { status: 501, expose: 'message', message: '{connector} does not support {capability}', description: 'The configured implementation declares that it lacks this capability.' },
  EVENT_LOG_GROUP_ACTIVE: { status: 409, expose: 'message', message: 'setOffsets: group {group} has running members; stop them first', description: 'Offsets of a consumer group can only be set while no member runs (every EventLog implementation).' },
  CDC_SLOT_IN_USE: { status: 409, expose: 'none', message: 'replication slot {slot} is in use by another connection', description: 'Another process streams from the PostgreSQL replication slot; stop it or wait (slotBusyWaitMs).' },
  // data path
  EVENT_INVALID: { status: 422, expose: 'none', message: 'invalid event: {reason}', description: 'A record does not match its event contract; it is dead-lettered with this reason.' },
  EVENT_LATE: { status: 422, expose: 'none', message: 'event later than the allowed lateness: {reason}', description: 'An event arrived after its window closed for good; dead-lettered.' },
  // 500, internal (config/spec author's error at start): a window spec (schema/windows) fails validation
  WINDOW_SPEC_INVALID: { status: 500, expose: 'none', message: 'window spec {spec} invalid at {path}: {reason}', description: 'A window spec (schema/windows, or windows.specs in config) is malformed or reads a field its events lack; the start stops naming the spec and path. Fix the spec (README: how to add a window spec).' },
  CHANGE_INVALID: { status: 422, expose: 'none', message: 'invalid change: {reason}', description: 'A CDC change (pgoutput or Debezium envelope) cannot be decoded; dead-lettered.' },
  // Avro and the schema registry (schema/events/avro, connectors/schema-registry)
  EVENT_UNDECODABLE: { status: 422, expose: 'none', message: 'record cannot be decoded: {reason}', description: 'A Kafka record value is not Confluent wire format (magic byte 0 + schema id) or its Avro body does not decode with the writer schema; dead-lettered.' },
  SCHEMA_UNKNOWN: { status: 422, expose: 'none', message: 'unknown schema id {id}', description: 'A record names a schema id the schema registry does not know (404 on the registry); dead-lettered by the consumer.' },
  SCHEMA_INCOMPATIBLE: { status: 409, expose: 'none', message: 'schema for {subject} is not {level} compatible: {reason}', description: 'The schema registry refused a new schema version that breaks the subject compatibility rule (BACKWARD by default); keep old data readable (add fields with defaults).' },
  SCHEMA_INVALID: { status: 422, expose: 'none', message: 'invalid Avro schema for {subject}: {reason}', description: 'A schema sent to the schema registry does not parse as Avro.' },
  TOPIC_UNKNOWN: { status: 404, expose: 'none', message: 'unknown topic or partition: {topic}', description: 'A topic or partition that was never created was addressed.' },
  WAREHOUSE_QUERY_FAILED: { status: 500, expose: 'none', message: 'warehouse query failed: {reason}', description: 'The warehouse refused or failed a query.' },
  WAREHOUSE_ROW_REJECTED: { status: 422, expose: 'none', message: 'row rejected by {table}: {reason}', description: 'A row does not fit its warehouse table contract.' },
  SQL_PARAM_INVALID: { status: 500, expose: 'none', message: 'invalid SQL parameter {name}: {reason}', description: 'A query was built with a parameter of an unsupported type (a bug in our code).' },
  // lake (issue 8)
  LAKE_KEY_INVALID: { status: 500, expose: 'none', message: 'invalid lake key "{key}": {reason}', description: 'An object key breaks the LakeStore key rule (empty or dot segments, leading /, control characters): a bug in the caller.' },
  LAKE_TABLE_NOT_FOUND: { status: 404, expose: 'message', message: 'lake table {table} does not exist', description: 'No Delta table of that name (or no such version of it) in the lake.' },
  LAKE_TABLE_INVALID: { status: 500, expose: 'none', message: 'lake table {table} cannot be read: {reason}', description: 'A Delta log we cannot read: a gap, a line that is not JSON, a reader version above 1, a missing data file.' },
  LAKE_WRITE_INVALID: { status: 500, expose: 'none', message: 'write to lake table {table} refused: {reason}', description: 'A write that does not fit the table: other columns, a nested type, rows outside the partitions being overwritten.' },
  LAKE_COMMIT_CONFLICT: { status: 409, expose: 'none', message: 'commit to lake table {table} lost: {reason}', description: 'Too many concurrent commits took the next version, or a compaction found its files removed meanwhile; retry the task.' },
  // models
  MODEL_NOT_FOUND: { status: 404, expose: 'message', message: 'model {model} not found', description: 'The model or version asked for is not in the registry.' },
  MODEL_INPUT_INVALID: { status: 400, expose: 'message', message: 'invalid model input: {reason}', description: 'The features given to a prediction do not fit the model (missing, wrong shape, out of range).' },
  MODEL_RUN_FAILED: { status: 500, expose: 'none', message: 'model {model} failed to run: {reason}', description: 'The model runtime failed on valid input.' },
  // 409, safe to show: promoteModel / setAlias('champion') refused (the alias stays where it was); also a Production card of models/registry.json that fails at start
  MODEL_GATE_FAILED: { status: 409, expose: 'message', message: 'model {model} v{version} fails its gate for {stage}: {failures}', description: 'A version that fails its deployment gate (schema/model-gates.ts) cannot become champion (promoteModel, setAlias) nor be a Production card; the alias stays where it was. Retrain, or promote another version.' },
  // feature store (issue 9 §1: schema/features, jobs/features/offline, jobs/features/materialize*)
  // 400, safe to show: a caller's feature reference names no view or feature
  FEATURE_REF_INVALID: { status: 400, expose: 'message', message: 'invalid feature reference: {ref}', description: 'A feature reference is not `view:feature` (or `view:*`) of a defined feature view (schema/features); `gofuture features list` shows them.' },
  // 400, safe to show: an entity row lacks a usable event_timestamp or join key
  FEATURE_ENTITY_ROW_INVALID: { status: 400, expose: 'message', message: 'invalid entity row {row}: {column}', description: 'An entity row of a historical retrieval has no integer epoch-ms event_timestamp, or a join key that is neither a string nor a number.' },
  // 503, code only: the deployment has no offline store (the lake) behind the features subgraph
  FEATURE_STORE_UNAVAILABLE: { status: 503, expose: 'code', message: 'The offline feature store is not available here.', description: 'historicalFeatures was asked of a features subgraph started without the lake (connectors.lakeStore); configure it or ask another replica.' },
  // training (jobs/training): 400, safe to show (the caller's own file or flag)
  TRAINING_DATA_INVALID: { status: 400, expose: 'message', message: 'training data refused: {reason}', description: 'A training set given to `gofuture train` (e.g. a UCI credit CSV via --data) lacks a column, has a value that is not a number or a label other than 0/1; the message names the file, line and column.' },
  // drift (issue 9 section 4)
  // 500, internal: a model version's reference.json is missing or malformed
  DRIFT_REFERENCE_INVALID: { status: 500, expose: 'none', message: 'drift reference of {model} unusable: {reason}', description: 'A model version has no readable reference.json (the sample of its training rows the drift check compares with). Retrain the version with a reference profile (jobs/drift/reference-profile.ts).' },
  // pipeline (orchestrator, SQL models)
  PIPELINE_MODEL_INVALID: { status: 500, expose: 'none', message: '{file}: {reason}', description: 'A SQL model, its schema.yml or sources.yml, or a DAG definition is wrong (bad template call, unknown ref, cycle, invalid test spec). The message names the file; fix it in lake/models or jobs/orchestrator/dags.ts.' },
  PIPELINE_DAG_UNKNOWN: { status: 400, expose: 'message', message: 'unknown DAG "{dag}"', description: 'runPipeline or `gofuture pipeline` named a DAG that does not exist; `gofuture pipeline list` shows the DAGs.' },
  PIPELINE_TABLE_MISSING: { status: 500, expose: 'none', message: 'table {table} does not exist yet', description: 'A SQL model read a lake table that has not been written yet (its upstream model or the bronze job has not run); the task is retried.' },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODE_LIST: readonly ErrorCode[] = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** Every code by name (`ErrorCodes.BAD_USER_INPUT === 'BAD_USER_INPUT'`). */
export const ErrorCodes: { readonly [K in ErrorCode]: K } = Object.freeze(Object.fromEntries(ERROR_CODE_LIST.map((c) => [c, c])) as { [K in ErrorCode]: K });

/** Codes whose message callers may see as it is (`expose: 'message'`); the rest are generic or masked. */
export const PUBLIC_CODES: ReadonlySet<ErrorCode> = new Set(ERROR_CODE_LIST.filter((c) => ERROR_CATALOGUE[c].expose === 'message'));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOGUE[code];
}

/** The code's message template with `{name}` filled from params (unknown names stay as they are). */
export function formatError(code: ErrorCode, params: Readonly<Record<string, unknown>> = {}): string {
  return ERROR_CATALOGUE[code].message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** What a caller is shown for an error of this code: its message, the generic template, or nothing (masked). */
export function callerMessage(code: ErrorCode, message: string): string | null {
  const spec = ERROR_CATALOGUE[code];
  if (spec.expose === 'message') return message;
  if (spec.expose === 'code') return spec.message;
  return null;
}

export class PlatformError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PlatformError';
    this.code = code;
    this.details = Object.freeze({ ...details });
  }

  /** HTTP status of this error's code. */
  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  /** A PlatformError whose message is the code's template filled from `params` (also kept as details). */
  static of(code: ErrorCode, params: Record<string, unknown> = {}, options?: ErrorOptions): PlatformError {
    return new PlatformError(code, formatError(code, params), params, options);
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
