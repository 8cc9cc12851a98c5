/** The feature store's definitions (Feast vocabulary): entities and feature views. */
export { ENTITIES, FEATURE_VIEWS, entityOf, featureView, type FeatureDtype, type FeatureField, type FeatureStoreEntity, type FeatureView } from './feature-views.ts';
