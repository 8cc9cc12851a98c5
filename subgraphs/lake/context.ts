/**
 * What the lake subgraph reads and does, as plain shapes: bin/ adapts the pipeline (orchestrator,
 * catalogue, lineage, quality runs) to it. The subgraph knows no job code.
 */
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { RunFilter, TaskRun } from '../../connectors/contracts/task-queue.ts';
import type { RequestInfo } from '../common/index.ts';

export interface LakeCommitView {
  readonly version: number;
  readonly timestamp: number;
  readonly operation: string;
  readonly addedFiles: number;
  readonly removedFiles: number;
  readonly outputRows: number;
}

export interface LakeTableView {
  readonly name: string;
  readonly layer: string;
  readonly version: number | null;
  readonly partitions: readonly string[];
  readonly rows: number;
  readonly lastCommit: LakeCommitView | null;
}

export interface LineageNodeView {
  readonly name: string;
  readonly layer: string;
  readonly kind: string;
  readonly columns: readonly string[];
}

export interface LineageView {
  readonly table: string;
  readonly upstream: readonly LineageNodeView[];
  readonly downstream: readonly LineageNodeView[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

export interface DagView {
  readonly id: string;
  readonly description: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly slaMs: number | null;
  readonly maxActiveRuns: number;
  readonly tasks: readonly { readonly id: string; readonly upstream: readonly string[]; readonly description: string; readonly noop?: boolean; readonly policy: { readonly retries: number; readonly timeoutMs: number } }[];
}

export interface DagRunView {
  readonly dag: string;
  readonly logicalDate: string;
  readonly state: string;
  readonly tasks: readonly TaskRun[];
}

export type QualityRow = Readonly<Record<string, string | number | boolean | null>>;

export interface LakeSubgraphApi {
  runs(filter: RunFilter): Promise<TaskRun[]>;
  dags(): readonly DagView[];
  /** `logicalDate` null: today in the DAG's time zone. */
  trigger(dag: string, logicalDate: string | null, rerun: 'failed' | 'finished' | null): Promise<DagRunView>;
  tables(): Promise<LakeTableView[]>;
  table(name: string): Promise<LakeTableView | null>;
  history(name: string, limit: number): Promise<LakeCommitView[]>;
  lineage(table: string): LineageView | null;
  qualityRuns(table: string | null, last: number): Promise<QualityRow[]>;
}

export interface LakeContext extends RequestInfo {
  readonly lake: LakeSubgraphApi;
  readonly pubsub: PubSub;
}
