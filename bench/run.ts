/**
 * The benchmark runner (`npm run bench` = `node bench/run.ts [suite...] [--quick]`): runs the named
 * suites (all when none is named) one after the other, prints each suite's table and ratios, and
 * writes `bench/results/<UTC date>-<suite>.md` with the machine (and the versions of our engines and
 * the peers) and every figure. Each `growth` entry of a result is drawn as `<suite>-<id>.png` into
 * docs/benchmarks/ (what docs/benchmarks.md shows), linked from the result file. A --quick run
 * writes its result files and plots into bench/results/quick/ instead (not committed). A suite that
 * fails is reported and the others still run; the exit code is 1 when any failed. Never part of
 * `npm test`. House rule: speed is measured here, side by side with a peer, as ratios, in one run,
 * and reported with the machine it ran on.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describeMachine, machineLines } from './support/machine.ts';
import { writeGrowthPlots } from './support/plot.ts';
import { markdownReport, textTable, writeResultFile, type PlotLink } from './support/report.ts';
import type { ResultRow, Suite, SuiteResult } from './support/types.ts';
import { gatewaySuite } from './suites/gateway.ts';
import { predictSuite } from './suites/predict.ts';
import { featuresSuite } from './suites/features.ts';
import { predictWindowSuite } from './suites/predict-window.ts';
import { warehouseSuite } from './suites/warehouse.ts';
import { pipelineSuite } from './suites/pipeline.ts';
import { ingestSuite } from './suites/pipeline-ingest.ts';
import { limitsSuite } from './suites/limits.ts';
import { lake10mBenchSuite, lakeBenchSuite } from './suites/lake.ts';
import { federationSuite } from './suites/federation.ts';
import { tracingSuite } from './suites/tracing.ts';
import { subscriptionsSuite } from './suites/subscriptions.ts';

export const SUITES: readonly Suite[] = [gatewaySuite, predictSuite, predictWindowSuite, featuresSuite, warehouseSuite, pipelineSuite, ingestSuite, limitsSuite, lakeBenchSuite, lake10mBenchSuite, federationSuite, tracingSuite, subscriptionsSuite];

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(HERE, 'results');
/** Plots of full runs: docs/benchmarks.md links them. */
const PLOTS_DIR = path.join(HERE, '../docs/benchmarks');
/** Plots and result files of --quick runs (smoke figures): kept out of the docs and out of git. */
const QUICK_PLOTS_DIR = path.join(RESULTS_DIR, 'quick');

/** Result files of --quick runs go next to their plots, out of git: smoke figures are never quoted. */
const resultsDir = (quick: boolean): string => (quick ? QUICK_PLOTS_DIR : RESULTS_DIR);

/** Draws the suite's growth entries; a plot that cannot be drawn is said in the result file, not fatal. */
async function plots(suite: string, result: SuiteResult, quick: boolean): Promise<PlotLink[]> {
  const growth = result.growth ?? [];
  if (growth.length === 0) return [];
  try {
    const written = await writeGrowthPlots(quick ? QUICK_PLOTS_DIR : PLOTS_DIR, suite, growth);
    for (const w of written) console.log(`  plot: ${path.relative(process.cwd(), w.file)}`);
    return written.map((w) => ({ growth: w.growth, link: path.relative(resultsDir(quick), w.file).split(path.sep).join('/') }));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    console.error(`  ${suite}: plots not drawn: ${error}`);
    return growth.map((g) => ({ growth: g, error }));
  }
}

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
  const summary: ResultRow[] = [];
  for (const suite of chosen) {
    console.log(`\n== ${suite.name}: ${suite.title}`);
    const startedAt = new Date();
    const machine = describeMachine();
    const t0 = performance.now();
    const runId = `${startedAt.getTime().toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
    try {
      const result = await suite.run({ logger: logger.child({ suite: suite.name }), print: (line) => console.log(line), quick, runId });
      const info = { suite, machine, startedAt, seconds: (performance.now() - t0) / 1000, quick, loadAverageAtEnd: Math.round((os.loadavg()[0] ?? 0) * 100) / 100 };
      const links = await plots(suite.name, result, quick);
      const file = await writeResultFile(resultsDir(quick), info, markdownReport(info, result, links));
      console.log(`\n${suite.name}: ${Math.round(info.seconds)} s, written to ${path.relative(process.cwd(), file)}`);
      summary.push({ suite: suite.name, status: 'ok', s: Math.round(info.seconds), plots: links.filter((l) => l.link).length, 'result file': path.relative(process.cwd(), file) });
    } catch (e) {
      const seconds = Math.round((performance.now() - t0) / 1000);
      console.error(`\n${suite.name} FAILED after ${seconds} s: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
      summary.push({ suite: suite.name, status: `FAILED: ${first.slice(0, 120)}`, s: seconds, plots: 0, 'result file': null });
    }
  }
  const failed = summary.filter((r) => r.status !== 'ok').length;
  console.log(`\n== ${chosen.length - failed} of ${chosen.length} suites ran${failed > 0 ? `, ${failed} FAILED` : ''}\n${textTable(['suite', 'status', 's', 'plots', 'result file'], summary)}`);
  return failed === 0 ? 0 : 1;
}

// kafkajs 2.2.4 on Node 24 warns TimeoutNegativeWarning from its request queue: harmless, upstream
// (connectors/kafka/README.md); every other warning is still printed.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') console.warn(`${w.name}: ${w.message}`);
});

process.exitCode = await main(process.argv.slice(2));
