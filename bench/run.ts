/**
 * The benchmark runner (`npm run bench` = `node bench/run.ts [suite...] [--quick]`): runs the named
 * suites (all when none is named) one after the other, prints each suite's table and ratios, and
 * writes `bench/results/<UTC date>-<suite>.md` with the machine and every figure. Never part of
 * `npm test`. House rule: speed is measured here, side by side with a peer, as ratios, in one run,
 * and reported with the machine it ran on.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describeMachine, machineLines } from './support/machine.ts';
import { markdownReport, writeResultFile } from './support/report.ts';
import type { Suite } from './support/types.ts';
import { gatewaySuite } from './suites/gateway.ts';
import { predictSuite } from './suites/predict.ts';
import { warehouseSuite } from './suites/warehouse.ts';
import { pipelineSuite } from './suites/pipeline.ts';
import { limitsSuite } from './suites/limits.ts';
import { lake10mBenchSuite, lakeBenchSuite } from './suites/lake.ts';
import { federationSuite } from './suites/federation.ts';
import { tracingSuite } from './suites/tracing.ts';

export const SUITES: readonly Suite[] = [gatewaySuite, predictSuite, warehouseSuite, pipelineSuite, limitsSuite, lakeBenchSuite, lake10mBenchSuite, federationSuite, tracingSuite];

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function usage(): string {
  return [
    'usage: node bench/run.ts [suite...] [--quick]',
    '',
    ...SUITES.map((s) => `  ${s.name.padEnd(10)} ${s.title}`),
    '',
    '  --quick    short durations: checks the benchmark code, figures not to be quoted',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const quick = argv.includes('--quick');
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}\n\n${usage()}`);
    return 2;
  }
  const chosen = names.length === 0 ? SUITES : SUITES.filter((s) => names.includes(s.name));
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  console.log(['bench on', ...machineLines(describeMachine())].join('\n'));
  let failed = 0;
  for (const suite of chosen) {
    console.log(`\n== ${suite.name}: ${suite.title}`);
    const startedAt = new Date();
    const machine = describeMachine();
    const t0 = performance.now();
    const runId = `${startedAt.getTime().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
    try {
      const result = await suite.run({ logger: logger.child({ suite: suite.name }), print: (line) => console.log(line), quick, runId });
      const info = { suite, machine, startedAt, seconds: (performance.now() - t0) / 1000, quick, loadAverageAtEnd: Math.round((os.loadavg()[0] ?? 0) * 100) / 100 };
      const file = await writeResultFile(RESULTS_DIR, info, markdownReport(info, result));
      console.log(`\n${suite.name}: ${Math.round(info.seconds)} s, written to ${path.relative(process.cwd(), file)}`);
    } catch (e) {
      failed++;
      console.error(`\n${suite.name} FAILED after ${Math.round((performance.now() - t0) / 1000)} s: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

// kafkajs 2.2.4 on Node 24 warns TimeoutNegativeWarning from its request queue: harmless, upstream
// (connectors/kafka/README.md); every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') console.warn(`${w.name}: ${w.message}`);
});

process.exitCode = await main(process.argv.slice(2));
