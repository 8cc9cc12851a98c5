/** The messages between the gateway thread and its parent, and what the thread is started with. */
import type { ErrorCode } from '../schema/errors.ts';
import type { SubgraphEndpoint } from './compose.ts';
import type { GatewayOptions } from './server.ts';

/**
 * Everything of `GatewayOptions` that is data: it crosses the thread boundary by structured clone,
 * and the thread builds the logger, metrics registry and plugins from it (`gatewayPluginsFrom`).
 * Policy config (auth, limits, cors, persisted operations) added to `GatewayOptions` as plain JSON
 * travels with it unchanged.
 */
export type GatewayData = Omit<GatewayOptions, 'logger' | 'registry' | 'plugins' | 'port' | 'host'>;

export interface GatewayThreadData {
  readonly options: GatewayData;
  readonly logLevel: string;
  readonly logName: string;
}

export type ThreadMessage =
  | { readonly type: 'ready'; readonly port: number; readonly supergraphSdl: string; readonly subgraphs: readonly SubgraphEndpoint[] }
  | { readonly type: 'failed'; readonly code: ErrorCode; readonly message: string; readonly details: Record<string, unknown> }
  | { readonly type: 'closed' };

export type ParentMessage = { readonly type: 'close' };
