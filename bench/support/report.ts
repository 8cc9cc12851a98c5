/** Tables as text (stdout) and Markdown (result files), and the result file of one suite run. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Machine } from './machine.ts';
import { machineLines } from './machine.ts';
import { sig } from './stats.ts';
import type { Cell, Growth, Ratio, ResultRow, Suite, SuiteResult } from './types.ts';

function cellText(c: Cell | undefined): string {
  if (c === null || c === undefined) return '-';
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '-';
  return c;
}

/** A fixed-width text table, numbers right-aligned. */
export function textTable(columns: readonly string[], rows: readonly ResultRow[]): string {
  const cells = rows.map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: readonly string[], numeric: readonly boolean[]): string =>
    vals.map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  return [line(columns, numeric), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((row) => line(row, numeric))].join('\n');
}

export function markdownTable(columns: readonly string[], rows: readonly ResultRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => esc(cellText(r[c]))).join(' | ')} |`),
  ].join('\n');
}

export function ratioText(r: Ratio): string {
  const v = r.value === null ? 'n/a' : `${Number(r.value.toPrecision(3))}x`;
  return `${r.name} = ${v}: ${r.meaning}`;
}

/** The text a suite prints after measuring. */
export function textReport(result: SuiteResult): string {
  return [textTable(result.columns, result.rows), '', ...result.ratios.map((r) => `  ${ratioText(r)}`)].join('\n');
}

export interface RunInfo {
  readonly suite: Suite;
  readonly machine: Machine;
  readonly startedAt: Date;
  readonly seconds: number;
  readonly quick: boolean;
  /** 1-minute load average when the suite finished. */
  readonly loadAverageAtEnd: number;
}

/** One growth entry as a table: a row per size, a column per series (the figures behind the plot). */
export function growthTable(g: Growth): { columns: string[]; rows: ResultRow[] } {
  const xs = [...new Set(g.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const columns = [g.xLabel, ...g.series.map((s) => s.name)];
  const rows = xs.map((x) => {
    const r: Record<string, Cell> = { [g.xLabel]: x };
    for (const s of g.series) r[s.name] = sig(s.points.find((p) => p.x === x)?.y ?? null);
    return r;
  });
  return { columns, rows };
}

/** A plot the runner wrote for a growth entry: its path relative to the result file, or why there is none. */
export interface PlotLink {
  readonly growth: Growth;
  readonly link?: string;
  readonly error?: string;
}

/** The "How cost grows" section: each growth's plot (linked) and its figures. */
export function growthMarkdown(plots: readonly PlotLink[]): string[] {
  if (plots.length === 0) return [];
  const out = ['## How cost grows', ''];
  for (const p of plots) {
    const t = growthTable(p.growth);
    out.push(`### ${p.growth.title}`, '', p.link ? `![${p.growth.title}](${p.link})` : `(no plot: ${p.error ?? 'not drawn'})`, '', `y: ${p.growth.yLabel}`, '', markdownTable(t.columns, t.rows), '');
  }
  return out;
}

export function markdownReport(info: RunInfo, result: SuiteResult, plots: readonly PlotLink[] = []): string {
  return [
    `# bench: ${info.suite.name} (${info.suite.title})`,
    '',
    `${info.suite.description}`,
    '',
    `Run at ${info.startedAt.toISOString()} (UTC), took ${Math.round(info.seconds)} s${info.quick ? ', QUICK mode (short durations: smoke run, do not quote)' : ''}.`,
    '',
    '## Machine',
    '',
    ...machineLines(info.machine),
    `- load average (1 min) at the end: ${info.loadAverageAtEnd} (other work on the machine shows here: the figures are only comparable within one run)`,
    '',
    '## Figures',
    '',
    markdownTable(result.columns, result.rows),
    '',
    '## Ratios',
    '',
    ...result.ratios.map((r) => `- ${ratioText(r)}`),
    '',
    ...growthMarkdown(plots),
    '## Notes',
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes `<dir>/<UTC date>-<suite>.md`, or `-2`, `-3`... when that day already has one; returns the path. */
export async function writeResultFile(dir: string, info: RunInfo, text: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const day = info.startedAt.toISOString().slice(0, 10);
  let file = path.join(dir, `${day}-${info.suite.name}.md`);
  for (let n = 2; existsSync(file); n++) file = path.join(dir, `${day}-${info.suite.name}-${n}.md`);
  await writeFile(file, text, 'utf8');
  return file;
}
