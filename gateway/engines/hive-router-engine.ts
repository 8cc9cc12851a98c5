/**
 * The `hive-router` engine: Hive Router 0.2.0 (Rust, MIT) as a child process on a loopback port,
 * behind our policy front (router-policy.ts: API keys, rate limits, body and variables size,
 * deadline backstop, short-lived gateway token, our error codes). Its config is generated from our
 * policies (hive-router-config.ts) into a temp folder with the supergraph, the JWKS files (an
 * HS256 secret as a JWK, the front's own key); the binary comes from `scripts/hive-router.sh`
 * (cached build) or HIVE_ROUTER_BIN. `url` is a small node:http server running the policy front;
 * `handleHttp` is the same front for the gateway's own public server (gateway/front.ts). Stopped
 * with SIGTERM by pid, SIGKILL after 3 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer as createHttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PlatformError } from '../../schema/errors.ts';
import type { EngineOptions, GatewayEngine, RunningEngine } from './engine.ts';
import { jwksOfSecret, routerConfigOf } from './hive-router-config.ts';
import { createRouterPolicy } from './router-policy.ts';

export const HIVE_ROUTER_VERSION = '0.2.0';

/** Where the router binary is: HIVE_ROUTER_BIN, else the cache scripts/hive-router.sh fills. */
export function hiveRouterBinary(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const given = env['HIVE_ROUTER_BIN'];
  if (given) return given;
  const cache = env['HIVE_ROUTER_CACHE'] ?? path.join(env['HOME'] ?? os.homedir(), '.cache', 'gofuture', `hive-router-${HIVE_ROUTER_VERSION}`);
  return path.join(cache, 'bin', 'hive_router');
}

export function hiveRouterAvailable(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return existsSync(hiveRouterBinary(env));
}

/** A free loopback port (the router takes a port number, not 0). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new PlatformError('CONFIG_INVALID', `hive-router exited with code ${child.exitCode} at start: ${output().slice(-2000)}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}', signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      // 200 open, 401 with require_authentication: either way the supergraph is loaded and it listens
      if (res.status !== 503 && res.status !== 502) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new PlatformError('GATEWAY_UNAVAILABLE', `hive-router not ready after ${timeoutMs} ms: ${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const hiveRouterEngine: GatewayEngine = {
  kind: 'hive-router',
  async start(opts: EngineOptions): Promise<RunningEngine> {
    const binary = hiveRouterBinary();
    if (!existsSync(binary)) throw new PlatformError('CONFIG_INVALID', `hive-router binary not found at ${binary}: run scripts/hive-router.sh build (or set HIVE_ROUTER_BIN)`);
    const host = opts.host ?? '127.0.0.1';
    // the router listens on loopback only: callers reach it through the policy front
    const routerPort = await freePort('127.0.0.1');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-router-'));
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    await writeFile(supergraphPath, opts.supergraphSdl);
    let jwksPath: string | undefined;
    if (opts.auth?.jwtSecret) {
      jwksPath = path.join(dir, 'jwks.json');
      await writeFile(jwksPath, JSON.stringify(jwksOfSecret(opts.auth.jwtSecret)), { mode: 0o600 });
    }
    const policy = createRouterPolicy({ auth: opts.auth, limits: opts.limits, logger: opts.logger });
    const frontJwksPath = path.join(dir, 'front-jwks.json');
    await writeFile(frontJwksPath, JSON.stringify(policy.auth.frontJwks), { mode: 0o600 });
    const { config, unsupported } = routerConfigOf({
      supergraphPath,
      host: '127.0.0.1',
      port: routerPort,
      frontJwksPath,
      ...(jwksPath ? { jwksPath } : {}),
      ...(opts.auth ? { auth: opts.auth } : {}),
      ...(opts.requireAuthentication !== undefined ? { requireAuthentication: opts.requireAuthentication } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.cors ? { cors: opts.cors } : {}),
      ...(opts.persistedOperations ? { persistedOperations: opts.persistedOperations } : {}),
      ...(opts.production !== undefined ? { production: opts.production } : {}),
      ...(opts.introspection !== undefined ? { introspection: opts.introspection } : {}),
    });
    const configPath = path.join(dir, 'router.config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    const log = opts.logger.child({ component: 'hive-router' });
    const child = spawn(binary, [], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', ROUTER_CONFIG_FILE_PATH: configPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer): void => {
      tail = (tail + b.toString('utf8')).slice(-8000);
      for (const line of b.toString('utf8').split('\n')) if (line.trim()) log.debug({ line }, 'router');
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const directUrl = `http://127.0.0.1:${routerPort}/graphql`;
    const target = { host: '127.0.0.1', port: routerPort };
    const agent = new Agent({ keepAlive: true });
    const handleHttp = (req: Parameters<typeof policy.handle>[0], res: Parameters<typeof policy.handle>[1]): void => policy.handle(req, res, target, agent);
    const server = createHttpServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://router').pathname === '/graphql') return handleHttp(req, res);
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ errors: [{ message: 'not found: the GraphQL endpoint is /graphql', extensions: { code: 'NOT_FOUND' } }] }));
    });
    let listening = false;
    const stop = async (): Promise<void> => {
      if (listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      agent.destroy();
      await policy.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(force);
      }
      await rm(dir, { recursive: true, force: true });
    };
    let url: string;
    try {
      await waitReady(directUrl, child, () => tail, 30_000);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, host, () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : 0);
        });
      });
      listening = true;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/graphql`;
    } catch (e) {
      await stop();
      throw e;
    }
    for (const u of unsupported) log.warn({ unsupported: u }, 'policy not enforced by hive-router');
    log.info({ url, directUrl, pid: child.pid }, 'hive-router listening behind the policy front');
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= stop());
    return { kind: 'hive-router', url, directUrl, handleHttp, pid: child.pid ?? 0, unsupported, close, [Symbol.asyncDispose]: close };
  },
};
