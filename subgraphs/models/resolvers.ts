/** Resolvers of the models subgraph (schema/subgraphs/models.graphql). */
import { DateTimeScalar, type SubgraphResolvers } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import { driftReports } from './drift-reports.ts';
import {
  creditFeatures, demandFeatures, forecastHour, surgeFeatures,
  type CreditArgs, type DemandArgs, type SurgeArgs,
} from './feature-vectors.ts';
import { FRAUD_MODEL, scoreFraudInputs } from './fraud-score.ts';
import { checkBatchSize, predict, versionRef } from './predict.ts';
import { registryResolvers } from './registry-resolvers.ts';

export const MODEL_NAMES = {
  surge: 'surge_multiplier',
  fraud: FRAUD_MODEL,
  demand: 'demand_forecast',
  credit: 'credit_default',
} as const;

const DEFAULT_THRESHOLD = 0.5;

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
  const registry = registryResolvers();
  return {
    DateTime: DateTimeScalar,
    Query: {
      ...registry.Query,
      driftReports: (_: unknown, args: { readonly model: string; readonly last?: number | null }, ctx: ModelsContext) => driftReports(ctx.driftReports, args),
    },
    Mutation: {
      ...registry.Mutation,
      predictSurge: s.one,
      predictSurgeBatch: s.batch,
      scoreFraud: f.one,
      scoreFraudBatch: f.batch,
      forecastDemand: d.one,
      forecastDemandBatch: d.batch,
      scoreCredit: c.one,
      scoreCreditBatch: c.batch,
    },
    Model: registry.Model,
    ModelVersion: registry.ModelVersion,
    ModelLineage: registry.ModelLineage,
  };
}
