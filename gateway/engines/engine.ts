/**
 * The gateway engine contract: what serves the public GraphQL endpoint. Two implementations:
 * `node` (Hive Gateway's runtime in this process, gateway/server.ts: the embedded default, npm-only
 * install) and `hive-router` (the Hive Router binary as a child process: the query engine of the
 * services profile and production). Both take the same engine-neutral policies: the auth settings
 * (gateway/plugins/auth-config.ts) and the request policies (gateway/plugins/policy-config.ts);
 * each engine maps them onto its own configuration and says what it cannot express
 * (`unsupported`), so nothing is silently dropped. docs/decisions/0026-gateway-engines.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayAuthConfig } from '../plugins/auth-config.ts';
import type { CorsInput, LimitsInput, PersistedOperationsInput } from '../plugins/policy-config.ts';

export type GatewayEngineKind = 'node' | 'hive-router';

export interface EngineOptions {
  /** The composed supergraph SDL (both engines plan over the same one). */
  readonly supergraphSdl: string;
  readonly host?: string;
  /** 0: a free port. */
  readonly port: number;
  readonly logger: Logger;
  readonly production?: boolean;
  readonly auth?: GatewayAuthConfig;
  /**
   * Refuse anonymous callers outright (401) instead of letting field rules decide per field. The
   * federated bench turns it on; the platform's own rules are in the SDL (@authenticated).
   */
  readonly requireAuthentication?: boolean;
  readonly limits?: LimitsInput;
  readonly cors?: CorsInput;
  readonly persistedOperations?: PersistedOperationsInput;
  /** Introspection on (default) or off. */
  readonly introspection?: boolean;
}

export interface RunningEngine extends AsyncDisposable {
  readonly kind: GatewayEngineKind;
  /** The GraphQL endpoint, http://host:port/graphql. */
  readonly url: string;
  /** The process serving it (the router's child pid; this process for `node`). */
  readonly pid: number;
  /**
   * The hive-router engine: the router's own endpoint, behind no policy (the bench measures the
   * policy front's hop against it). Callers use `url`.
   */
  readonly directUrl?: string;
  /**
   * The hive-router engine: its policy front as a request handler, for a server that already
   * listens on the public port (gateway/front.ts) to call for plain HTTP /graphql.
   */
  readonly handleHttp?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Policies this engine cannot enforce, one sentence each (empty when all are). */
  readonly unsupported: readonly string[];
  close(): Promise<void>;
}

export interface GatewayEngine {
  readonly kind: GatewayEngineKind;
  start(opts: EngineOptions): Promise<RunningEngine>;
}
