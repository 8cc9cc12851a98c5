/**
 * The source services' writer (jobs/sources) on a worker thread, for tests that run the whole
 * platform in their own process: the writer's thousands of round trips to PostgreSQL then do not
 * queue behind the platform's event loop (CDC decoding, Kafka, ClickHouse), so the write time
 * measured is PostgreSQL's, as it would be for real services writing from their own processes.
 *
 * The same file is the worker's entry: loaded on a worker thread with `workerData.role` set, it
 * serves migrate / write / close requests from its parent.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createSourceWriter, type SourceWriter, type WriteResult } from '../../../jobs/sources/index.ts';
import type { DomainEvent } from '../../../schema/events/domain-events.ts';

const ROLE = 'gofuture-source-writer';

interface Request { readonly id: number; readonly op: 'migrate' | 'write' | 'close'; readonly events?: readonly DomainEvent[] }
interface Reply { readonly id: number; readonly ok: boolean; readonly result?: unknown; readonly error?: string }

export interface WorkerWriterOptions {
  readonly pgUrl: string;
  readonly schemaPrefix: string;
  readonly batchSize?: number;
}

/** A SourceWriter whose work happens on a worker thread. close() ends the thread. */
export function createWorkerSourceWriter(o: WorkerWriterOptions): SourceWriter {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, ...o } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failed: Error | null = null;
  const failAll = (e: Error): void => {
    failed = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (r: Reply) => {
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.ok) p?.resolve(r.result);
    else p?.reject(new Error(r.error ?? 'source writer failed'));
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`source writer worker exited (${code})`)));
  const call = <T>(op: Request['op'], events?: readonly DomainEvent[]): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = ++seq;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, ...(events ? { events } : {}) } satisfies Request);
    });
  };
  let closed: Promise<void> | null = null;
  return {
    migrate: () => call<void>('migrate'),
    write: (events) => call<WriteResult>('write', [...events]),
    close: () => (closed ??= (async () => {
      if (!failed) await call<void>('close').catch(() => undefined);
      await worker.terminate();
    })()),
  };
}

function serve(): void {
  const o = workerData as WorkerWriterOptions;
  const writer = createSourceWriter({ pgUrl: o.pgUrl, schemaPrefix: o.schemaPrefix, logger: pino({ level: 'silent' }), ...(o.batchSize ? { batchSize: o.batchSize } : {}) });
  parentPort!.on('message', (req: Request) => {
    const run = async (): Promise<unknown> => {
      if (req.op === 'migrate') return writer.migrate();
      if (req.op === 'write') return writer.write(req.events ?? []);
      return writer.close();
    };
    run().then(
      (result) => parentPort!.postMessage({ id: req.id, ok: true, result } satisfies Reply),
      (e: unknown) => parentPort!.postMessage({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies Reply),
    );
  });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) serve();
