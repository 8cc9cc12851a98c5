/**
 * The gateway thread's entry (a `worker_threads` Worker started by `thread.ts`): builds its own
 * logger and metrics registry, starts the whole gateway (`startGateway`, plugins constructed here
 * from plain-data options) on a loopback port, tells the parent where it listens, and closes on
 * the parent's `close` message. Everything it receives is structured-clone data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { errorMessage, isPlatformError } from '../schema/errors.ts';
import { startGateway } from './server.ts';
import type { GatewayThreadData, ParentMessage, ThreadMessage } from './thread-protocol.ts';
import { startThreadTracing } from './plugins/tracing-thread.ts';

const data = workerData as GatewayThreadData;
const port = parentPort;
if (!port) throw new Error('gateway/thread-entry.ts runs only as a worker thread');
const post = (m: ThreadMessage): void => port.postMessage(m);

// tracing on: this thread's own OpenTelemetry SDK (its globals are per thread), trace ids on its log lines
const tracing = await startThreadTracing(data.options.tracing);
const logger = pino({ name: data.logName, level: data.logLevel, base: { pid: process.pid, thread: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime, ...tracing.pinoOptions });

try {
  const gateway = await startGateway({ ...data.options, port: 0, host: '127.0.0.1', logger, trustForwardedFor: true }); // only the front door reaches this port
  port.on('message', (m: ParentMessage) => {
    if (m.type !== 'close') return;
    gateway.close().then(tracing.shutdown).then(
      () => post({ type: 'closed' }),
      (e: unknown) => {
        logger.error({ err: errorMessage(e) }, 'gateway thread did not close cleanly');
        post({ type: 'closed' });
      },
    );
  });
  post({ type: 'ready', port: gateway.port, supergraphSdl: gateway.supergraphSdl, subgraphs: gateway.subgraphs });
} catch (e) {
  post({
    type: 'failed',
    code: isPlatformError(e) ? e.code : 'INTERNAL_SERVER_ERROR',
    message: errorMessage(e),
    details: isPlatformError(e) ? { ...e.details } : {},
  });
}
