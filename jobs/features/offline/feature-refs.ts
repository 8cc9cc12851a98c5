/** Feature references (`view:feature`, Feast's form) resolved against schema/features. */
import { PlatformError } from '../../../schema/errors.ts';
import { entityOf, FEATURE_VIEWS, featureView, type FeatureField, type FeatureView } from '../../../schema/features/index.ts';

export interface ViewRequest {
  readonly view: FeatureView;
  readonly joinKey: string;
  readonly fields: readonly FeatureField[];
}

/** Groups refs by view, in first-mention order; `view:*` is every feature of the view. Unknown: FEATURE_REF_INVALID. */
export function resolveFeatureRefs(refs: readonly string[]): ViewRequest[] {
  if (refs.length === 0) throw new PlatformError('FEATURE_REF_INVALID', 'no feature reference given (use view:feature)', { ref: '' });
  const out = new Map<string, { view: FeatureView; fields: FeatureField[] }>();
  for (const ref of refs) {
    const i = ref.indexOf(':');
    const viewName = i < 0 ? ref : ref.slice(0, i);
    const featureName = i < 0 ? '*' : ref.slice(i + 1);
    const view = featureView(viewName);
    if (!view) throw new PlatformError('FEATURE_REF_INVALID', `feature reference "${ref}": no feature view ${viewName} (views: ${FEATURE_VIEWS.map((v) => v.name).join(', ')})`, { ref });
    let r = out.get(view.name);
    if (!r) out.set(view.name, (r = { view, fields: [] }));
    const wanted = featureName === '*' ? view.schema : view.schema.filter((f) => f.name === featureName);
    if (wanted.length === 0) throw new PlatformError('FEATURE_REF_INVALID', `feature reference "${ref}": view ${view.name} has no feature ${featureName} (${view.schema.map((f) => f.name).join(', ')})`, { ref });
    for (const f of wanted) if (!r.fields.includes(f)) r.fields.push(f);
  }
  return [...out.values()].map((r) => ({ view: r.view, joinKey: entityOf(r.view.entity).joinKey, fields: r.fields }));
}

/** The output column of a feature: its name, or `view__feature` with fullFeatureNames (as Feast). */
export const outputName = (view: FeatureView, field: FeatureField, full: boolean): string => (full ? `${view.name}__${field.name}` : field.name);
