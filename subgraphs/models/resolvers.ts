/** Resolvers of the models subgraph (schema/subgraphs/models.graphql). */
import type { ModelCard } from '../../connectors/contracts/model-runtime.ts';
import { checkGate, MODEL_GATES } from '../../schema/model-gates.ts';
import { DateTimeScalar, type SubgraphResolvers } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import { driftReports } from './drift-reports.ts';
import {
  creditFeatures, demandFeatures, forecastHour, surgeFeatures,
  type CreditArgs, type DemandArgs, type SurgeArgs,
} from './feature-vectors.ts';
import { FRAUD_MODEL, scoreFraudInputs } from './fraud-score.ts';
import { checkBatchSize, predict, versionRef } from './predict.ts';

export const MODEL_NAMES = {
  surge: 'surge_multiplier',
  fraud: FRAUD_MODEL,
  demand: 'demand_forecast',
  credit: 'credit_default',
} as const;

const DEFAULT_THRESHOLD = 0.5;

interface ModelNode {
  readonly card: ModelCard;
}

const STAGE = { None: 'NONE', Staging: 'STAGING', Production: 'PRODUCTION', Archived: 'ARCHIVED' } as const;

async function surge(ctx: ModelsContext, inputs: readonly SurgeArgs[], field: (i: number) => string) {
  const now = ctx.now();
  const features = inputs.map((a, i) => surgeFeatures(a, field(i), now));
  const { card, values } = await predict(ctx, MODEL_NAMES.surge, 'multiplier', features);
  return inputs.map((a, i) => ({ regionId: a.regionId, multiplier: values[i], demandSupplyRatio: features[i]?.demand_supply_ratio, model: versionRef(card) }));
}

async function demand(ctx: ModelsContext, inputs: readonly DemandArgs[], field: (i: number) => string) {
  const now = ctx.now();
  const { card, values } = await predict(ctx, MODEL_NAMES.demand, 'trips_next_hour', inputs.map((a, i) => demandFeatures(a, field(i), now)));
  return inputs.map((a, i) => ({ regionId: a.regionId, hourStart: forecastHour(a.at, now), tripsNextHour: values[i], model: versionRef(card) }));
}

async function credit(ctx: ModelsContext, inputs: readonly CreditArgs[], field: (i: number) => string) {
  const { card, values } = await predict(ctx, MODEL_NAMES.credit, 'probability', inputs.map((a, i) => creditFeatures(a, field(i))));
  const threshold = card.metrics.threshold ?? DEFAULT_THRESHOLD;
  return inputs.map((a, i) => {
    const p = values[i] ?? 0;
    return { clientId: a.clientId ?? null, defaultProbability: p, defaultPrediction: p >= threshold, threshold, model: versionRef(card) };
  });
}

type Handler<A, R> = (ctx: ModelsContext, inputs: readonly A[], field: (i: number) => string) => Promise<R[]>;

/** The single and batch mutation resolvers of one handler: both make one model run. */
function mutations<A, R>(handler: Handler<A, R>) {
  return {
    one: async (_: unknown, args: { readonly input: A }, ctx: ModelsContext): Promise<R | undefined> => (await handler(ctx, [args.input], () => 'input'))[0],
    batch: (_: unknown, args: { readonly inputs: readonly A[] }, ctx: ModelsContext): Promise<R[]> => {
      checkBatchSize(args.inputs.length);
      return handler(ctx, args.inputs, (i) => `inputs[${i}]`);
    },
  };
}

export function modelsResolvers(): SubgraphResolvers<ModelsContext> {
  const s = mutations(surge);
  const f = mutations(scoreFraudInputs);
  const d = mutations(demand);
  const c = mutations(credit);
  return {
    DateTime: DateTimeScalar,
    Query: {
      models: (_: unknown, __: unknown, ctx: ModelsContext): ModelNode[] => ctx.registry.cards().map((card) => ({ card })),
      model: (_: unknown, args: { readonly name: string; readonly version?: string | null }, ctx: ModelsContext): ModelNode | null => {
        const card = args.version == null ? ctx.registry.production(args.name) : ctx.registry.cards().find((m) => m.name === args.name && m.version === args.version);
        return card ? { card } : null;
      },
      driftReports: (_: unknown, args: { readonly model: string; readonly last?: number | null }, ctx: ModelsContext) => driftReports(ctx.driftReports, args),
    },
    Mutation: {
      predictSurge: s.one,
      predictSurgeBatch: s.batch,
      scoreFraud: f.one,
      scoreFraudBatch: f.batch,
      forecastDemand: d.one,
      forecastDemandBatch: d.batch,
      scoreCredit: c.one,
      scoreCreditBatch: c.batch,
    },
    Model: {
      name: (m: ModelNode) => m.card.name,
      version: (m: ModelNode) => m.card.version,
      stage: (m: ModelNode) => STAGE[m.card.stage],
      metrics: (m: ModelNode) => Object.entries(m.card.metrics).map(([name, value]) => ({ name, value })),
      featureNames: (m: ModelNode) => m.card.featureNames,
      outputNames: (m: ModelNode) => m.card.outputNames,
      trainedAt: (m: ModelNode) => m.card.trainedAt,
      description: (m: ModelNode) => m.card.description,
      loaded: (m: ModelNode, _: unknown, ctx: ModelsContext) => ctx.runtime.loaded().some((c) => c.name === m.card.name && c.version === m.card.version),
      gate: (m: ModelNode) => {
        const result = checkGate(m.card.name, m.card.metrics);
        return { passed: result.passed, failures: result.failures, source: MODEL_GATES[m.card.name]?.source ?? 'no gate declared' };
      },
    },
  };
}
