/** Resolvers of the lake subgraph (schema/subgraphs/lake.graphql). */
import { subscribeIterator } from '../../connectors/contracts/pub-sub.ts';
import type { TaskRun } from '../../connectors/contracts/task-queue.ts';
import { ALERTS_CHANNEL, type AlertMessage } from '../../schema/lake/alerts.ts';
import { DateTimeScalar, badUserInput, intInRange, type SubgraphResolvers } from '../common/index.ts';
import type { DagView, LakeContext, QualityRow } from './context.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(d: string | null | undefined, argument: string): string | null {
  if (d == null) return null;
  if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) throw badUserInput(`"${argument}" must be a date YYYY-MM-DD, got ${JSON.stringify(d)}`, { argument });
  return d;
}

const taskRun = (r: TaskRun) => ({ ...r, state: r.state.toUpperCase() });

const dag = (d: DagView) => ({
  id: d.id, description: d.description, schedule: d.schedule, timezone: d.timezone,
  slaSeconds: d.slaMs === null ? null : Math.round(d.slaMs / 1000), maxActiveRuns: d.maxActiveRuns,
  tasks: d.tasks.map((t) => ({ id: t.id, upstream: t.upstream, description: t.description, retries: t.policy.retries, timeoutSeconds: Math.round(t.policy.timeoutMs / 1000), placeholder: t.noop === true })),
});

const quality = (r: QualityRow) => ({
  model: r.model, test: r.test, kind: r.kind, column: r.column_name ?? null, severity: String(r.severity).toUpperCase(), status: r.status,
  failures: Number(r.failures ?? 0), logicalDate: String(r.logical_date ?? ''), checkedAt: Number(r.checked_at ?? 0),
});

const alert = (a: AlertMessage) => ({ ...a, severity: a.severity.toUpperCase() });

const isAlert = (m: unknown): m is AlertMessage => typeof m === 'object' && m !== null && typeof (m as AlertMessage).message === 'string' && typeof (m as AlertMessage).severity === 'string';

export function lakeResolvers(): SubgraphResolvers<LakeContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      pipelineRuns: async (_: unknown, args: { dag?: string | null; logicalDate?: string | null; last?: number | null }, ctx: LakeContext) => {
        const logicalDate = checkDate(args.logicalDate, 'logicalDate');
        const runs = await ctx.lake.runs({ ...(args.dag ? { dag: args.dag } : {}), ...(logicalDate ? { logicalDate } : {}), last: intInRange(args.last ?? 50, 1, 1000, 'last') });
        return runs.map(taskRun);
      },
      pipelineDags: (_: unknown, __: unknown, ctx: LakeContext) => ctx.lake.dags().map(dag),
      lakeTables: async (_: unknown, __: unknown, ctx: LakeContext) => (await ctx.lake.tables()).map((t) => ({ ...t, history: [] })),
      lakeTable: async (_: unknown, args: { name: string; historyLast?: number | null }, ctx: LakeContext) => {
        const t = await ctx.lake.table(args.name);
        if (!t) return null;
        return { ...t, history: await ctx.lake.history(args.name, intInRange(args.historyLast ?? 20, 1, 1000, 'historyLast')) };
      },
      lineage: (_: unknown, args: { table: string }, ctx: LakeContext) => ctx.lake.lineage(args.table),
      qualityRuns: async (_: unknown, args: { table?: string | null; last?: number | null }, ctx: LakeContext) =>
        (await ctx.lake.qualityRuns(args.table ?? null, intInRange(args.last ?? 50, 1, 1000, 'last'))).map(quality),
    },
    Mutation: {
      runPipeline: async (_: unknown, args: { dag: string; logicalDate?: string | null; rerun?: 'FAILED' | 'ALL' | null }, ctx: LakeContext) => {
        const s = await ctx.lake.trigger(args.dag, checkDate(args.logicalDate, 'logicalDate'), args.rerun === 'ALL' ? 'finished' : args.rerun === 'FAILED' ? 'failed' : null);
        return { ...s, state: s.state.toUpperCase(), tasks: s.tasks.map(taskRun) };
      },
    },
    Subscription: {
      alerts: {
        subscribe: (_: unknown, args: { severity?: 'WARN' | 'ERROR' | null }, ctx: LakeContext) => {
          const want = args.severity ? args.severity.toLowerCase() : null;
          return subscribeIterator(ctx.pubsub, [ALERTS_CHANNEL], (m): m is AlertMessage => isAlert(m) && (want === null || m.severity === want));
        },
        resolve: (m: AlertMessage) => alert(m),
      },
    },
  };
}
