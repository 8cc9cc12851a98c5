/** The `node` engine: Hive Gateway's runtime in this process (gateway/server.ts), every policy enforced. */
import { startGateway } from '../server.ts';
import type { EngineOptions, GatewayEngine, RunningEngine } from './engine.ts';

export const nodeEngine: GatewayEngine = {
  kind: 'node',
  async start(opts: EngineOptions): Promise<RunningEngine> {
    const gw = await startGateway({
      supergraph: { kind: 'sdl', sdl: opts.supergraphSdl },
      port: opts.port,
      ...(opts.host ? { host: opts.host } : {}),
      logger: opts.logger,
      ...(opts.production !== undefined ? { production: opts.production } : {}),
      ...(opts.auth ? { auth: opts.auth } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.cors ? { cors: opts.cors } : {}),
      ...(opts.persistedOperations ? { persistedOperations: opts.persistedOperations } : {}),
      ...(opts.introspection !== undefined ? { introspection: opts.introspection } : {}),
    });
    const unsupported = opts.requireAuthentication ? ['requireAuthentication: the node engine leaves it to the SDL field rules (@authenticated), so anonymous requests for open fields run'] : [];
    return { kind: 'node', url: gw.url, pid: process.pid, unsupported, close: () => gw.close(), [Symbol.asyncDispose]: () => gw.close() };
  },
};
