/** Query.modelQuality: online precision/recall of a model per version over time windows (schema/ml/model-quality.ts). */
import type { QualityWindow, ModelQualityReport, VersionQuality } from '../../../schema/ml/model-quality.ts';
import type { ModelsContext } from '../context.ts';

export const qualityResolvers = {
  Query: {
    modelQuality: (_: unknown, args: { readonly name: string }, ctx: ModelsContext): ModelQualityReport | null => ctx.serving.quality?.quality(args.name) ?? null,
  },
  types: {
    ModelQuality: {
      windowSeconds: (r: ModelQualityReport) => r.windowMs / 1000,
      thresholds: (r: ModelQualityReport) => Object.entries(r.thresholds).map(([name, value]) => ({ name, value })),
    },
    ModelVersionQuality: {
      version: (v: VersionQuality) => v.version,
    },
    ModelQualityWindow: {
      start: (w: QualityWindow) => w.start,
      end: (w: QualityWindow) => w.end,
    },
  },
};
