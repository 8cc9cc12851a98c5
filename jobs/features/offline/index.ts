/** The feature store's offline side: point-in-time retrieval over the lake (Feast's get_historical_features). */
export { getHistoricalFeatures, type EntityRow, type HistoricalFeatures, type HistoricalOptions, type TableRead } from './historical-features.ts';
export { resolveFeatureRefs, outputName, type ViewRequest } from './feature-refs.ts';
export { backendOfflineSource, lakeOfflineSource, type OfflineSource, type SourceSnapshot } from './offline-source.ts';
