/**
 * Ours: the `node` engine (gateway/server.ts, Hive Gateway's runtime) with auth and limits on, in
 * its own process: `node node-gateway.ts <options JSON file>`. With `workers` > 1 it runs that many
 * processes on one port (node:cluster, round-robin): the "all cores" lever.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { nodeEngine } from '../../../gateway/engines/node-engine.ts';
import type { EngineOptions } from '../../../gateway/engines/engine.ts';
import type { PlannerKind } from '../../../gateway/server.ts';
import { startGateway } from '../../../gateway/server.ts';

interface Options extends Omit<EngineOptions, 'logger'> { readonly workers: number; readonly planner: PlannerKind }

const opts = JSON.parse(readFileSync(String(process.argv[2]), 'utf8')) as Options;
const logger = pino({ level: 'silent' });

if (opts.workers > 1 && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let ready = 0;
  for (let i = 0; i < opts.workers; i++) {
    cluster.fork().on('message', (m: unknown) => {
      if (m === 'ready' && ++ready === opts.workers) process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    });
  }
} else {
  if (opts.planner === 'rust') {
    // the engine contract has no planner switch (it is a Node-engine detail): start the gateway directly
    await startGateway({ supergraph: { kind: 'sdl', sdl: opts.supergraphSdl }, port: opts.port, logger, production: true, planner: 'rust', ...(opts.auth ? { auth: opts.auth } : {}), ...(opts.limits ? { limits: opts.limits } : {}) });
  } else {
    await nodeEngine.start({ ...opts, logger });
  }
  if (cluster.isWorker) process.send?.('ready');
  else process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
}
