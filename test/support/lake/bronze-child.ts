/**
 * Child of test/unit/lake-bronze-kill.test.ts: the bronze job over a durable embedded event log
 * and a local lake, until killed (or SIGTERM: stops cleanly). Prints "started" once consuming.
 *   bronze-child.ts <eventLogDir> <lakeRoot> <scratch> <topic,topic,...>
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../../connectors/embedded/index.ts';
import { createLocalLakeStore } from '../../../connectors/lake/index.ts';
import { startBronzeJob } from '../../../jobs/lake/bronze-job.ts';
import { openLake } from '../../../jobs/lake/delta/index.ts';

const [logDir = '', lakeRoot = '', scratch = '', topics = ''] = process.argv.slice(2);
const ctx = { logger: pino({ level: process.env.LAKE_CHILD_LOG ?? 'warn' }, pino.destination(2)), metrics: new Registry() };
const log = createMemoryEventLog({ dir: logDir }, ctx);
await log.start();
const store = createLocalLakeStore({ root: lakeRoot }, ctx);
await store.start();
const lake = openLake(store, { scratchDir: scratch });
const job = await startBronzeJob({ log, lake, ...ctx, topics: topics.split(','), flushMs: 25, maxBatchSize: 100, maxRows: 500 });
console.log('started');
// progress for the test's failure message
setInterval(() => console.log(`stats ${JSON.stringify(job.stats)}`), 2000).unref();
process.once('SIGTERM', () => {
  void (async () => {
    await job.stop();
    await lake.close();
    await log.close();
    console.log(`stopped ${JSON.stringify(job.stats)}`);
    process.exit(0);
  })();
});
