/** Resolvers of the models subgraph (schema/subgraphs/models.graphql). */
import { DateTimeScalar, type SubgraphResolvers } from '../common/index.ts';
import type { ModelsContext } from './context.ts';
import { driftReports } from './drift-reports.ts';
import {
  creditFeatures, demandFeatures, forecastHour, surgeFeatures,
  type CreditArgs, type DemandArgs, type SurgeArgs,
} from './feature-vectors.ts';
import { FRAUD_MODEL, scoreFraudInputs } from './fraud-score.ts';
import { checkBatchSize, predict, thresholdOf, type RowPrediction } from './predict.ts';
import { registryResolvers } from './registry-resolvers.ts';
import { qualityResolvers } from './serving/quality-resolvers.ts';

export const MODEL_NAMES = {
  surge: 'surge_multiplier',
  fraud: FRAUD_MODEL,
  demand: 'demand_forecast',
  credit: 'credit_default',
} as const;

/** Row i of a predict result (predict returns one per input). */
const at = (rows: readonly RowPrediction[], i: number): RowPrediction => rows[i] as RowPrediction;

async function surge(ctx: ModelsContext, inputs: readonly SurgeArgs[], field: (i: number) => string) {
  const now = ctx.now();
  const features = inputs.map((a, i) => surgeFeatures(a, field(i), now));
  const rows = await predict(ctx, MODEL_NAMES.surge, 'multiplier', features, { entityIds: inputs.map((a) => a.regionId) });
  return inputs.map((a, i) => ({ regionId: a.regionId, multiplier: at(rows, i).value, demandSupplyRatio: features[i]?.demand_supply_ratio, model: at(rows, i).model }));
}

async function demand(ctx: ModelsContext, inputs: readonly DemandArgs[], field: (i: number) => string) {
  const now = ctx.now();
  const rows = await predict(ctx, MODEL_NAMES.demand, 'trips_next_hour', inputs.map((a, i) => demandFeatures(a, field(i), now)), { entityIds: inputs.map((a) => a.regionId) });
  return inputs.map((a, i) => ({ regionId: a.regionId, hourStart: forecastHour(a.at, now), tripsNextHour: at(rows, i).value, model: at(rows, i).model }));
}

async function credit(ctx: ModelsContext, inputs: readonly CreditArgs[], field: (i: number) => string) {
  const rows = await predict(ctx, MODEL_NAMES.credit, 'probability', inputs.map((a, i) => creditFeatures(a, field(i))), { entityIds: inputs.map((a) => a.clientId), classifier: true });
  return inputs.map((a, i) => {
    const r = at(rows, i);
    const threshold = thresholdOf(r.card);
    return { clientId: a.clientId ?? null, defaultProbability: r.value, defaultPrediction: r.value >= threshold, threshold, model: r.model };
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
    ...qualityResolvers.types,
    Query: {
      ...registry.Query,
      driftReports: (_: unknown, args: { readonly model: string; readonly last?: number | null }, ctx: ModelsContext) => driftReports(ctx.driftReports, args),
      ...qualityResolvers.Query,
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
