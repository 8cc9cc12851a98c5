/** Resolvers of the features subgraph (schema/subgraphs/features.graphql). */
import type { FeatureRecord, FeatureValue } from '../../connectors/contracts/online-store.ts';
import { FEATURES, featuresOf, type FeatureDefinition, type FeatureEntity } from '../../schema/features.ts';
import { badUserInput, DateTimeScalar, type SubgraphResolvers } from '../common/index.ts';
import type { FeaturesContext } from './context.ts';
import { historicalFeatures } from './historical.ts';

/** Largest id list onlineFeatures accepts. */
export const MAX_IDS = 1000;

type EntityArg = 'DRIVER' | 'RIDER' | 'REGION';
const ENTITY: Readonly<Record<EntityArg, FeatureEntity>> = { DRIVER: 'driver', RIDER: 'rider', REGION: 'region' };
const ENTITY_ARG: Readonly<Record<FeatureEntity, EntityArg>> = { driver: 'DRIVER', rider: 'RIDER', region: 'REGION' };

/** A defined feature's name (fails at start if schema/features.ts renames it). */
function feature(name: string): string {
  if (!FEATURES.some((f) => f.name === name)) throw new Error(`features subgraph: ${name} is not defined in schema/features.ts`);
  return name;
}

const F = {
  driverAvgRating7d: feature('driver_avg_rating_7d'),
  driverTrips7d: feature('driver_trips_7d'),
  riderTrips30d: feature('rider_trips_30d'),
  regionDemand1h: feature('region_demand_1h'),
};

function asFloat(v: FeatureValue | undefined): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function asInt(v: FeatureValue | undefined): number | null {
  const n = asFloat(v);
  if (n === null) return null;
  const r = Math.round(n);
  return r >= -2_147_483_648 && r <= 2_147_483_647 ? r : null;
}

interface IdRef {
  readonly id: string;
}

const ref = (r: IdRef): IdRef => ({ id: r.id });

function definition(f: FeatureDefinition) {
  return {
    name: f.name,
    entity: ENTITY_ARG[f.entity],
    description: f.description,
    valueType: f.valueType === 'int' ? 'INT' : 'FLOAT',
    windowSeconds: Math.round(f.windowMs / 1000),
    ttlSeconds: Math.round(f.ttlMs / 1000),
  };
}

function vector(entity: FeatureEntity, id: string, rec: FeatureRecord | null) {
  if (!rec) return null;
  return {
    entity: ENTITY_ARG[entity],
    id,
    updatedAt: rec.updatedAt,
    values: featuresOf(entity).map((f) => ({ name: f.name, value: f.valueType === 'int' ? asInt(rec.values[f.name]) : asFloat(rec.values[f.name]) })),
  };
}

export function featuresResolvers(): SubgraphResolvers<FeaturesContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      featureDefinitions: (_: unknown, args: { readonly entity?: EntityArg | null }) =>
        (args.entity ? featuresOf(ENTITY[args.entity]) : FEATURES).map(definition),
      onlineFeatures: async (_: unknown, args: { readonly entity: EntityArg; readonly ids: readonly string[] }, ctx: FeaturesContext) => {
        if (args.ids.length > MAX_IDS) throw badUserInput(`ids holds ${args.ids.length} ids; at most ${MAX_IDS} per call`, { argument: 'ids', max: MAX_IDS });
        if (args.ids.some((id) => id.length === 0 || id.length > 128)) throw badUserInput('ids must be 1..128 characters long', { argument: 'ids' });
        const entity = ENTITY[args.entity];
        const records = await ctx.loaders[entity].loadMany(args.ids);
        return records.map((r, i) => {
          if (r instanceof Error) throw r;
          return vector(entity, args.ids[i] ?? '', r);
        });
      },
      historicalFeatures: (_: unknown, args: { readonly view: string; readonly ids: readonly string[]; readonly at: number }, ctx: FeaturesContext) => historicalFeatures(args, ctx),
    },
    Driver: {
      __resolveReference: ref,
      features: async (d: IdRef, _: unknown, ctx: FeaturesContext) => {
        const rec = await ctx.loaders.driver.load(d.id);
        return rec && { avgRating7d: asFloat(rec.values[F.driverAvgRating7d]), trips7d: asInt(rec.values[F.driverTrips7d]), updatedAt: rec.updatedAt };
      },
    },
    Rider: {
      __resolveReference: ref,
      features: async (r: IdRef, _: unknown, ctx: FeaturesContext) => {
        const rec = await ctx.loaders.rider.load(r.id);
        return rec && { trips30d: asInt(rec.values[F.riderTrips30d]), updatedAt: rec.updatedAt };
      },
    },
    Region: {
      __resolveReference: ref,
      features: async (r: IdRef, _: unknown, ctx: FeaturesContext) => {
        const rec = await ctx.loaders.region.load(r.id);
        return rec && { demandLastHour: asInt(rec.values[F.regionDemand1h]), updatedAt: rec.updatedAt };
      },
    },
  };
}
