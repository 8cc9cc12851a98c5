/**
 * A CDC process for the kill test (test/integration/cdc-job.test.ts): PostgreSQL change source ->
 * CDC job -> the embedded event log kept on disk (`dir`), so what it published survives `kill -9`.
 * Env: PG_URL, CDC_SLOT, CDC_PUBLICATION, CDC_SCHEMA_PREFIX, CDC_LOG_DIR. Prints "ready" once
 * streaming; stops cleanly on SIGTERM.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../../connectors/embedded/index.ts';
import { createPgChangeSource } from '../../../connectors/postgres/index.ts';
import { startCdcJob, type CdcJob } from '../../../jobs/cdc/index.ts';
import { capturedTables } from '../../../schema/sources/source-tables.ts';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const logger = pino({ level: process.env.CDC_LOG_LEVEL ?? 'silent' }, pino.destination(2));
const metrics = new Registry();
const log = createMemoryEventLog({ dir: env('CDC_LOG_DIR') }, { logger, metrics });
await log.start();
const source = createPgChangeSource({
  url: env('PG_URL'), slot: env('CDC_SLOT'), publication: env('CDC_PUBLICATION'),
  tables: capturedTables(env('CDC_SCHEMA_PREFIX')), statusIntervalMs: 200, retryMaxMs: 500,
}, { logger, metrics });

let job: CdcJob | null = null;
// a killed predecessor's walsender may hold the slot for a moment: retry until it lets go
for (let attempt = 0; !job; attempt++) {
  try {
    job = await startCdcJob({ source, log, logger, metrics });
  } catch (e) {
    if (attempt > 100) throw e;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void (async () => {
    await job?.stop();
    await source.close();
    await log.close();
    process.exit(0);
  })();
});
