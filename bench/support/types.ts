/** What a benchmark suite is and returns: the runner (bench/run.ts) only knows these shapes. */
import type { Logger } from 'pino';

export type Cell = string | number | null;

/** One measured target (ours or the peer): its figures by column name. */
export type ResultRow = Readonly<Record<string, Cell>>;

/** A ratio between two rows of the same run, with one sentence on what it means. */
export interface Ratio {
  readonly name: string;
  /** null when a side could not be measured (e.g. a service is not reachable). */
  readonly value: number | null;
  readonly meaning: string;
}

/** One target's cost at two or three sizes of work (e.g. 1k/10k/20k subscribers). */
export interface GrowthSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** How cost grows with work: the runner draws each as a PNG next to the result file. */
export interface Growth {
  /** Kebab-case, unique in the suite: the PNG is `<suite>-<id>.png`. */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly GrowthSeries[];
  readonly logX?: boolean;
  readonly logY?: boolean;
}

export interface SuiteResult {
  /** Column order of the table (every row has these keys). */
  readonly columns: readonly string[];
  readonly rows: readonly ResultRow[];
  readonly ratios: readonly Ratio[];
  /** Setup, dataset, checks made, caveats: one line each. */
  readonly notes: readonly string[];
  /** How cost grows with work (issue 11 §5); optional, drawn as PNG plots by the runner. */
  readonly growth?: readonly Growth[];
}

export interface SuiteContext {
  readonly logger: Logger;
  /** Progress and the suite's table, on stdout. */
  readonly print: (line: string) => void;
  /** Shorter durations (a smoke run of the benchmark code, figures not to be quoted). */
  readonly quick: boolean;
  /** Unique per run: a suffix for database, topic, slot and group names. */
  readonly runId: string;
}

export interface Suite {
  readonly name: string;
  readonly title: string;
  /** What is compared with what, in one sentence (goes in the result file). */
  readonly description: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}
