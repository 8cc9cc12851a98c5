/**
 * `gofuture pipeline list | run <dag> [--date D] [--rerun failed|all] | backfill <dag> --from D --to D
 * [--retry-failed] | status [<dag>] [--date D] [--last N]`. `run` and `backfill` make this process a
 * worker of the task queue (embedded: the local queue in the data dir; services: pg-boss, shared
 * with the running workers). Backfill draws a progress bar on a TTY, plain lines otherwise, and
 * resumes after Ctrl-C: the (dag, task, date) runs already done are skipped.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { register as defaultRegistry } from 'prom-client';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Connector } from '../../connectors/contracts/connector.ts';
import type { TaskRun } from '../../connectors/contracts/task-queue.ts';
import { backfill } from '../../jobs/orchestrator/backfill.ts';
import { checkDate, dateIn } from '../../jobs/orchestrator/dag.ts';
import type { DagRunStatus } from '../../jobs/orchestrator/engine.ts';
import { loadConfig } from '../config.ts';
import { connectorRegistry } from '../connectors.ts';
import { createLogger } from '../logger.ts';
import { openPipeline } from '../pipeline.ts';

const USAGE = `usage:
  gofuture pipeline list
  gofuture pipeline run <dag> [--date YYYY-MM-DD] [--rerun failed|all]
  gofuture pipeline backfill <dag> --from YYYY-MM-DD --to YYYY-MM-DD [--retry-failed]
  gofuture pipeline status [<dag>] [--date YYYY-MM-DD] [--last N]
  (common: --profile embedded|services --config FILE --data-dir DIR)`;

const options = {
  profile: { type: 'string' }, config: { type: 'string' }, 'data-dir': { type: 'string' },
  date: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, last: { type: 'string' },
  rerun: { type: 'string' }, 'retry-failed': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function taskLine(r: TaskRun): string {
  const took = r.startedAt !== null && r.finishedAt !== null ? ` ${((r.finishedAt - r.startedAt) / 1000).toFixed(1)}s` : '';
  return `  ${r.task.padEnd(18)} ${r.state.padEnd(9)} attempts=${r.attempts}${took}${r.error ? `  ${r.error}` : ''}`;
}

export async function run(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  const [sub, dagId] = positionals;
  if (values.help || !sub) {
    out(USAGE);
    return;
  }
  const config = loadConfig({
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.config ? { file: values.config } : {}),
    overrides: { ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), logLevel: process.env.LOG_LEVEL ?? 'warn' },
  });
  const logger = createLogger(config.logLevel);
  const needsWarehouse = sub === 'run' || sub === 'backfill';
  const started: { close(): Promise<void> }[] = [];
  const connector = async <T extends Connector>(name: 'warehouse' | 'eventLog' | 'pubSub'): Promise<T> => {
    const c = connectorRegistry().create<T>(name, config.connectors[name], { logger: logger.child({ connector: name }), metrics: defaultRegistry }, `connectors.${name}`);
    await c.start();
    started.unshift(c);
    return c;
  };
  const parts: { warehouse?: Warehouse; eventLog?: EventLog; pubSub?: PubSub } = {};
  if (needsWarehouse) {
    parts.warehouse = await connector<Warehouse>('warehouse');
    // services profile: the alerts of a CLI run go to the shared alerts topic (Kafka) and the running
    // platform's `alerts` subscription (Redis pub-sub). Embedded, both are in the platform's process:
    // a CLI run alerts in its log and metric only.
    if (config.profile === 'services') {
      parts.eventLog = await connector<EventLog>('eventLog');
      parts.pubSub = await connector<PubSub>('pubSub');
    }
  }
  const h = await openPipeline(config, parts, logger, defaultRegistry);
  const o = h.pipeline.orchestrator;
  const ac = new AbortController();
  const onSigint = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the tasks in flight; run the same command again to resume\n');
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    switch (sub) {
      case 'list': {
        for (const d of o.dags()) {
          out(`${d.id}  schedule=${d.schedule ?? 'manual'} tz=${d.timezone}${d.slaMs ? ` sla=${Math.round(d.slaMs / 60_000)}m` : ''}  ${d.description}`);
          for (const t of d.tasks) out(`  ${t.id.padEnd(18)} <- ${t.upstream.join(', ') || '(start)'}${t.noop ? '  [placeholder]' : ''}  retries=${t.policy.retries} timeout=${Math.round(t.policy.timeoutMs / 1000)}s`);
        }
        return;
      }
      case 'run': {
        if (!dagId) throw new Error(`pipeline run: name a DAG\n${USAGE}`);
        const dag = o.dag(dagId);
        const date = values.date ? checkDate(values.date, '--date') : dateIn(dag.timezone);
        const rerun = values.rerun === 'all' ? 'finished' : values.rerun === 'failed' ? 'failed' : undefined;
        if (values.rerun && !rerun) throw new Error('--rerun must be failed or all');
        await h.pipeline.startWorker();
        await o.trigger(dag.id, date, rerun ? { rerun } : {});
        const seen = new Map<string, string>();
        const s = await o.waitFor(dag.id, date, {
          signal: ac.signal,
          onProgress: (p: DagRunStatus) => {
            for (const t of p.tasks) if (seen.get(t.task) !== t.state) {
              seen.set(t.task, t.state);
              out(taskLine(t));
            }
          },
        });
        out(`${dag.id} ${date}: ${s.state}`);
        if (s.state !== 'succeeded') process.exitCode = 1;
        return;
      }
      case 'backfill': {
        if (!dagId || !values.from || !values.to) throw new Error(`pipeline backfill: name a DAG and --from/--to\n${USAGE}`);
        await h.pipeline.startWorker();
        const tty = process.stdout.isTTY === true;
        const bar = tty ? new cliProgress.SingleBar({ format: `${dagId} [{bar}] {value}/{total} {date} {outcome}`, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
        let started = false;
        const r = await backfill({
          orchestrator: o, dag: dagId, from: values.from, to: values.to, signal: ac.signal, retryFailed: values['retry-failed'] === true,
          onProgress: (p) => {
            if (bar) {
              if (!started) bar.start(p.total, 0, { date: p.date, outcome: '' });
              started = true;
              bar.update(p.index + 1, { date: p.date, outcome: p.outcome });
            } else {
              out(`${dagId} ${p.date} ${p.outcome} (${p.index + 1}/${p.total})`);
            }
          },
        });
        bar?.stop();
        const failed = r.dates.filter((d) => d.outcome === 'failed').map((d) => d.date);
        out(`${dagId}: ${r.dates.filter((d) => d.outcome === 'succeeded').length} run, ${r.dates.filter((d) => d.outcome === 'skipped').length} already done, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}${r.interrupted ? ', interrupted: run again to resume' : ''}`);
        if (failed.length || r.interrupted) process.exitCode = 1;
        return;
      }
      case 'status': {
        const last = values.last ? Number(values.last) : 30;
        const runs = await o.queue.runs({ ...(dagId ? { dag: dagId } : {}), ...(values.date ? { logicalDate: checkDate(values.date) } : {}), last });
        if (runs.length === 0) out('no runs yet');
        for (const r of runs) out(`${r.dag} ${r.logicalDate} ${taskLine(r).trim()}`);
        return;
      }
      default:
        throw new Error(`unknown pipeline command "${sub}"\n${USAGE}`);
    }
  } finally {
    process.off('SIGINT', onSigint);
    await h.stop();
    for (const c of started) await c.close();
  }
}
