/**
 * Ours: the `hive-router` engine (Hive Router 0.2.0 behind our Node policy front) with auth and
 * limits on, in its own process tree (this Node process = the front, the router its child):
 * `node router-gateway.ts <options JSON file>`. Prints `{ ready, url, directUrl }`: `url` goes
 * through the policy front, `directUrl` is the router's own port (the front hop left out).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { EngineOptions } from '../../../gateway/engines/engine.ts';
import { hiveRouterEngine } from '../../../gateway/engines/hive-router-engine.ts';

const opts = JSON.parse(readFileSync(String(process.argv[2]), 'utf8')) as Omit<EngineOptions, 'logger'>;
const engine = await hiveRouterEngine.start({ ...opts, logger: pino({ level: 'silent' }) });
const stop = (): void => {
  void engine.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdout.write(`${JSON.stringify({ ready: true, url: engine.url, directUrl: engine.directUrl })}\n`);
