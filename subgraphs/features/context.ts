/**
 * The per-request context of the features subgraph: one DataLoader per entity type, so all the
 * vectors of one type a request needs come from ONE OnlineStore.getMany.
 */
import DataLoader from 'dataloader';
import type { FeatureRecord, OnlineStore } from '../../connectors/contracts/online-store.ts';
import type { FeatureEntity } from '../../schema/features.ts';
import type { RequestInfo } from '../common/index.ts';
import type { HistoricalFeatureApi } from './historical.ts';

export type FeatureLoaders = Readonly<Record<FeatureEntity, DataLoader<string, FeatureRecord | null>>>;

export interface FeaturesContext extends RequestInfo {
  readonly onlineStore: OnlineStore;
  readonly loaders: FeatureLoaders;
  /** Point-in-time look-ups in the offline store; absent when no lake is configured. */
  readonly historical?: HistoricalFeatureApi;
}

function loader(store: OnlineStore, entity: FeatureEntity): DataLoader<string, FeatureRecord | null> {
  return new DataLoader<string, FeatureRecord | null>(async (ids) => store.getMany(entity, ids));
}

export function createFeatureLoaders(store: OnlineStore): FeatureLoaders {
  return { driver: loader(store, 'driver'), rider: loader(store, 'rider'), region: loader(store, 'region') };
}

export function createFeaturesContext(store: OnlineStore, historical?: HistoricalFeatureApi): (req: RequestInfo) => FeaturesContext {
  return (req) => ({ ...req, onlineStore: store, loaders: createFeatureLoaders(store), ...(historical ? { historical } : {}) });
}
