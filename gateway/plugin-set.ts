/**
 * The gateway's policy plugins (authentication, authorization, limits, CORS, persisted
 * operations), built from the plain-data part of `GatewayOptions` in the thread that runs the
 * runtime. In the embedded profile that is the gateway's worker thread (`thread.ts`): plugin
 * objects cannot cross a thread boundary, their config can. Each policy adds its line here, e.g.
 * `...(options.auth ? [authPlugin(options.auth, logger)] : [])`.
 */
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { Logger } from 'pino';
import type { GatewayOptions } from './server.ts';

export function gatewayPluginsFrom(options: Omit<GatewayOptions, 'logger' | 'registry' | 'plugins'>, logger: Logger): GatewayPlugin[] {
  void options;
  void logger;
  return [];
}
