/**
 * Ours in its own process for the subscriptions bench: `node our-gateway.ts <options JSON file>`,
 * the gateway of gateway/server.ts (Hive Gateway's runtime, graphql-ws on the same port) in
 * production mode with auth on and the subscription fan-out (unless `fanOut: false`).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { startGateway } from '../../../gateway/server.ts';
import type { GatewayAuthConfig } from '../../../gateway/plugins/auth-config.ts';

interface Options {
  readonly supergraphSdl: string;
  readonly port: number;
  readonly auth: GatewayAuthConfig;
  readonly fanOut: boolean;
}

const opts = JSON.parse(readFileSync(String(process.argv[2]), 'utf8')) as Options;
const gw = await startGateway({
  supergraph: { kind: 'sdl', sdl: opts.supergraphSdl },
  port: opts.port,
  logger: pino({ level: 'silent' }),
  production: true,
  auth: opts.auth,
  // one load generator: a rate limit would measure itself; every socket is its own principal
  limits: { rateLimit: { enabled: false } },
  subscriptions: { fanOut: opts.fanOut },
});
process.stdout.write(`${JSON.stringify({ ready: true, url: gw.url })}\n`);
process.on('SIGTERM', () => void gw.close().then(() => process.exit(0)));
