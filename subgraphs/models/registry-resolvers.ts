/**
 * The model registry in GraphQL (schema/subgraphs/models.graphql): registered models with their
 * versions, aliases, stages, metrics, baselines, params and lineage, read from the
 * ModelVersionRegistry; and the admin-only `promoteModel`, whose gate refusal reaches the caller as
 * MODEL_GATE_FAILED. A `Model` also carries, for readers of the old model cards, the fields of its
 * current version: the one asked for, else the champion, else the latest.
 */
import type { ModelVersionInfo } from '../../connectors/contracts/model-version-registry.ts';
import { PlatformError } from '../../schema/errors.ts';
import { checkGate, MODEL_GATES } from '../../schema/model-gates.ts';
import { badUserInput } from '../common/index.ts';
import type { ModelsContext } from './context.ts';

interface ModelNode {
  readonly name: string;
  readonly versions: readonly ModelVersionInfo[];
  readonly current: ModelVersionInfo;
}

const STAGE = { None: 'NONE', Staging: 'STAGING', Production: 'PRODUCTION', Archived: 'ARCHIVED' } as const;
/** MLflow's alias rule: letters, digits, `_` and `-`; `latest` and `v<n>` are reserved. */
const ALIAS = /^[A-Za-z0-9_-]{1,255}$/;

const entries = (o: Readonly<Record<string, number>>) => Object.entries(o).map(([name, value]) => ({ name, value }));

function node(name: string, versions: readonly ModelVersionInfo[], version?: string | null): ModelNode | null {
  const current = version == null
    ? versions.find((v) => v.aliases.includes('champion')) ?? versions.at(-1)
    : versions.find((v) => v.version === version);
  return current ? { name, versions, current } : null;
}

function aliasOf(versions: readonly ModelVersionInfo[], alias: string): ModelVersionInfo | null {
  return versions.find((v) => v.aliases.includes(alias)) ?? null;
}

function gate(v: ModelVersionInfo) {
  const result = checkGate(v.name, { ...v.baselines, ...v.metrics });
  return { passed: result.passed, failures: result.failures, source: MODEL_GATES[v.name]?.source ?? 'no gate declared' };
}

const loaded = (v: ModelVersionInfo, ctx: ModelsContext): boolean => ctx.runtime.loaded().some((c) => c.name === v.name && c.version === v.version);

async function versionOrNull(ctx: ModelsContext, name: string, version: string): Promise<ModelVersionInfo | null> {
  try {
    return await ctx.versions.version(name, version);
  } catch (e) {
    if (e instanceof PlatformError && e.code === 'MODEL_NOT_FOUND') return null;
    throw e;
  }
}

/** Every old model-card field, answered from the current version. */
const cardFields = {
  stage: (v: ModelVersionInfo) => STAGE[v.stage],
  metrics: (v: ModelVersionInfo) => entries({ ...v.metrics, ...v.baselines }),
  featureNames: (v: ModelVersionInfo) => v.featureNames,
  outputNames: (v: ModelVersionInfo) => v.outputNames,
  trainedAt: (v: ModelVersionInfo) => v.tags?.trained_at ?? v.createdAt,
  description: (v: ModelVersionInfo) => v.description,
  gate,
};

export function registryResolvers() {
  return {
    Query: {
      models: async (_: unknown, __: unknown, ctx: ModelsContext): Promise<ModelNode[]> => {
        const names = await ctx.versions.models();
        const nodes = await Promise.all(names.map(async (n) => node(n, await ctx.versions.versions(n))));
        return nodes.filter((n): n is ModelNode => n !== null);
      },
      model: async (_: unknown, args: { readonly name: string; readonly version?: string | null }, ctx: ModelsContext): Promise<ModelNode | null> =>
        node(args.name, await ctx.versions.versions(args.name), args.version),
      modelVersion: (_: unknown, args: { readonly name: string; readonly version: string }, ctx: ModelsContext): Promise<ModelVersionInfo | null> =>
        versionOrNull(ctx, args.name, args.version),
    },
    Mutation: {
      promoteModel: async (_: unknown, args: { readonly name: string; readonly version: string; readonly alias: string }, ctx: ModelsContext): Promise<ModelVersionInfo> => {
        if (!ALIAS.test(args.alias) || args.alias === 'latest' || /^v\d+$/.test(args.alias)) {
          throw badUserInput(`alias "${args.alias}" is not allowed: letters, digits, _ and -, not "latest" nor v<number>`, { argument: 'alias' });
        }
        await ctx.versions.setAlias(args.name, args.alias, args.version);
        ctx.logger.info({ model: args.name, version: args.version, alias: args.alias }, 'model alias set');
        // serving switches now rather than at its next alias poll (a load failure keeps the old version serving)
        await ctx.serving.models.refresh().catch((e: unknown) => ctx.logger.warn({ err: String(e), model: args.name }, 'serving refresh after promotion failed'));
        return ctx.versions.version(args.name, args.version);
      },
    },
    Model: {
      name: (m: ModelNode) => m.name,
      version: (m: ModelNode) => m.current.version,
      stage: (m: ModelNode) => cardFields.stage(m.current),
      metrics: (m: ModelNode) => cardFields.metrics(m.current),
      featureNames: (m: ModelNode) => cardFields.featureNames(m.current),
      outputNames: (m: ModelNode) => cardFields.outputNames(m.current),
      trainedAt: (m: ModelNode) => cardFields.trainedAt(m.current),
      description: (m: ModelNode) => cardFields.description(m.current),
      loaded: (m: ModelNode, _: unknown, ctx: ModelsContext) => loaded(m.current, ctx),
      gate: (m: ModelNode) => gate(m.current),
      versions: (m: ModelNode) => m.versions,
      aliases: (m: ModelNode) => m.versions.flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version }))).sort((a, b) => a.alias.localeCompare(b.alias)),
      champion: (m: ModelNode) => aliasOf(m.versions, 'champion'),
      challenger: (m: ModelNode) => aliasOf(m.versions, 'challenger'),
      latestVersion: (m: ModelNode) => m.versions.at(-1),
      currentVersion: (m: ModelNode) => m.current,
    },
    ModelVersion: {
      ...cardFields,
      metrics: (v: ModelVersionInfo) => entries(v.metrics),
      baselines: (v: ModelVersionInfo) => entries(v.baselines),
      params: (v: ModelVersionInfo) => Object.entries(v.params).map(([name, value]) => ({ name, value: String(value), type: typeof value === 'number' ? 'NUMBER' : typeof value === 'boolean' ? 'BOOLEAN' : 'STRING' })),
      tags: (v: ModelVersionInfo) => Object.entries(v.tags ?? {}).map(([key, value]) => ({ key, value })),
      loaded: (v: ModelVersionInfo, _: unknown, ctx: ModelsContext) => loaded(v, ctx),
    },
    ModelLineage: {
      trainingRows: (l: ModelVersionInfo['lineage']) => l.trainingRows ?? null,
      dataFrom: (l: ModelVersionInfo['lineage']) => l.dataFrom ?? null,
      dataTo: (l: ModelVersionInfo['lineage']) => l.dataTo ?? null,
    },
  };
}
