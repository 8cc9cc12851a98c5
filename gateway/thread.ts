/**
 * The gateway in its own worker thread, behind a front door in this thread (`front.ts`): the
 * front listens on the public port first (a taken port fails at once, `/health` answers from the
 * first millisecond), the thread loads the runtime and the supergraph, and requests flow once it
 * is ready. Planning, validation and execution never run on this thread's event loop, so a costly
 * document cannot stall the jobs or `/health` beside it. A thread that dies (a crash, an
 * out-of-memory kill under `resourceLimits`) is restarted with backoff; the front answers 503
 * `GATEWAY_UNAVAILABLE` meanwhile. `close()` asks the thread to close and terminates it after
 * `stopTimeoutMs` even if it is stuck in CPU work.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PlatformError, errorMessage } from '../schema/errors.ts';
import type { SubgraphEndpoint } from './compose.ts';
import type { EngineOptions, RunningEngine } from './engines/engine.ts';
import { startFront, type FrontOptions, type FrontTarget } from './front.ts';
import type { RunningGateway } from './server.ts';
import type { GatewayData, GatewayThreadData, ParentMessage, ThreadMessage } from './thread-protocol.ts';

export interface GatewayThreadOptions {
  /** The gateway's options as data (no logger, registry or plugin objects: those are built in the thread). */
  readonly gateway: GatewayData;
  readonly port?: number;
  readonly host?: string;
  readonly logger: Logger;
  /** The thread's own pino level (default: the logger's). */
  readonly logLevel?: string;
  /** This thread's registry (jobs, connectors): served after the gateway's metrics on /metrics. */
  readonly registry?: Registry;
  /** Paths the front door answers in this thread (e.g. `/alerts/webhook`); see front.ts. */
  readonly routes?: FrontOptions['routes'];
  /** Heap caps of the gateway thread (e.g. `maxOldGenerationSizeMb`): exceeding them kills only the thread. */
  readonly resourceLimits?: ResourceLimits;
  /**
   * The hive-router engine serves plain HTTP /graphql (queries, mutations), this thread keeps
   * graphql-ws (ADR 0026): started once the thread has composed the supergraph, with these policies.
   */
  readonly router?: Omit<EngineOptions, 'supergraphSdl' | 'port' | 'host' | 'logger'>;
  /** Time the thread gets to close before it is terminated (default 2000 ms). */
  readonly stopTimeoutMs?: number;
}

type State = 'starting' | 'ready' | 'restarting' | 'stopping';

interface Started {
  readonly worker: Worker;
  readonly target: FrontTarget;
  readonly supergraphSdl: string;
  readonly subgraphs: readonly SubgraphEndpoint[];
}

const ENTRY = new URL('./thread-entry.ts', import.meta.url);

function spawn(opts: GatewayThreadOptions): Promise<Started> {
  const data: GatewayThreadData = { options: opts.gateway, logLevel: opts.logLevel ?? opts.logger.level, logName: 'gateway' };
  const worker = new Worker(ENTRY, { workerData: data, ...(opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {}) });
  return new Promise<Started>((resolve, reject) => {
    const onMessage = (m: ThreadMessage): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve({ worker, target: { host: '127.0.0.1', port: m.port }, supergraphSdl: m.supergraphSdl, subgraphs: m.subgraphs });
      } else if (m.type === 'failed') {
        cleanup();
        void worker.terminate();
        reject(new PlatformError(m.code, m.message, m.details));
      }
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new PlatformError('INTERNAL_SERVER_ERROR', `gateway thread failed to start: ${e.message}`, {}, { cause: e }));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new PlatformError('INTERNAL_SERVER_ERROR', `gateway thread exited with code ${code} before it was ready`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

async function stopWorker(worker: Worker, timeoutMs: number): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const closed = new Promise<void>((resolve) => {
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'closed') resolve();
    });
  });
  worker.postMessage({ type: 'close' } satisfies ParentMessage);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  await Promise.race([closed, exited, timeout]);
  clearTimeout(timer);
  // terminate() also stops a thread stuck in CPU work (V8 TerminateExecution)
  await worker.terminate();
  await exited;
}

export async function startGatewayThread(opts: GatewayThreadOptions): Promise<RunningGateway> {
  const log = opts.logger.child({ component: 'gateway-thread' });
  const host = opts.host ?? '127.0.0.1';
  let state: State = 'starting';
  let current: Started | null = null;
  let restarts = 0;
  const registry = opts.registry;
  let router: RunningEngine | null = null;
  const front = await startFront({
    // the router's policy front (API keys, rate limit, sizes, deadline, gateway token) before its port
    ...(opts.router ? { graphqlHttpHandler: () => router?.handleHttp ?? null } : {}),
    port: opts.port ?? 4000,
    host,
    target: () => (state === 'ready' && current ? current.target : null),
    healthDetails: () => ({ gateway: state }),
    ...(registry ? { localMetrics: () => registry.metrics() } : {}),
    ...(opts.routes ? { routes: opts.routes } : {}),
  });

  const scheduleRestart = (reason: Record<string, unknown>): void => {
    state = 'restarting';
    current = null;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
    restarts++;
    log.error({ ...reason, restartInMs: delay, restarts }, 'gateway thread down; restarting it');
    setTimeout(() => {
      if (state === 'stopping') return;
      spawn(opts).then(
        (next) => {
          if (state === 'stopping') {
            void next.worker.terminate();
            return;
          }
          current = next;
          state = 'ready';
          watch(next);
          log.info({ restarts }, 'gateway thread restarted');
        },
        (e: unknown) => scheduleRestart({ err: errorMessage(e) }),
      );
    }, delay).unref();
  };
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${front.port}/graphql`;
  log.info({ url }, `gateway front listening: ${url} (/health answers; /graphql once the gateway thread is ready)`);
  const watch = (started: Started): void => {
    // an uncaught error ends the thread ('exit' follows and restarts it); without a listener it would end this process
    started.worker.on('error', (e) => log.error({ err: e }, 'gateway thread failed'));
    started.worker.once('exit', (code) => {
      if (state !== 'stopping' && current === started) scheduleRestart({ code });
    });
  };

  try {
    current = await spawn(opts);
  } catch (e) {
    await front.close();
    throw e;
  }
  if (opts.router) {
    try {
      const { hiveRouterEngine } = await import('./engines/hive-router-engine.ts');
      router = await hiveRouterEngine.start({ ...opts.router, supergraphSdl: current.supergraphSdl, port: 0, host: '127.0.0.1', logger: opts.logger });
    } catch (e) {
      state = 'stopping';
      await Promise.all([stopWorker(current.worker, opts.stopTimeoutMs ?? 2000), front.close()]);
      throw e;
    }
  }
  state = 'ready';
  watch(current);
  const first = current;
  log.info({ url, internalPort: first.target.port }, 'gateway thread ready behind the front');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      state = 'stopping';
      const running = current;
      current = null;
      await Promise.all([running ? stopWorker(running.worker, opts.stopTimeoutMs ?? 2000) : Promise.resolve(), front.close(), router?.close() ?? Promise.resolve()]);
      log.info('gateway thread stopped');
    })());

  return { url, port: front.port, host, supergraphSdl: first.supergraphSdl, subgraphs: first.subgraphs, close, [Symbol.asyncDispose]: close };
}
