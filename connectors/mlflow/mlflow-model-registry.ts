/**
 * The ModelVersionRegistry over a real MLflow tracking server's REST API (services profile), so a
 * team that runs MLflow plugs in. createVersion = a training run in the experiment (params,
 * metrics, baselines, lineage tags; log-batch), the artifacts PUT through the server's artifact
 * proxy under the run's `model/` folder, the registered model (created on first use) and a model
 * version whose source is that folder (MLflow assigns the number, safe for concurrent writers).
 * Aliases are MLflow's own (`/registered-models/alias`); `champion` is gate-checked first, then
 * stages follow (transition-stage: the new champion Production, the replaced one Archived).
 */
import type { Logger } from 'pino';
import { PlatformError } from '../../schema/errors.ts';
import { MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { ModelStage } from '../contracts/model-runtime.ts';
import type { ModelVersionInfo, ModelVersionRegistry, NewModelVersion } from '../contracts/model-version-registry.ts';
import { counter } from '../support/metrics.ts';
import { assertChampionGate, byVersion, CHAMPION, checkNewVersion, isModelName, modelNotFound } from '../support/model-version-rules.ts';
import { seedModelVersions } from '../support/seed-model-versions.ts';
import { isMlflowError, MlflowClient } from './mlflow-client.ts';
import type { MlflowModelRegistryConfig } from './mlflow-config.ts';
import { MODEL_DIR, proxyPath, runPayload, TAG_PREFIX, toInfo, versionTags, type MlflowModelVersion, type MlflowRun } from './mlflow-mapping.ts';

const NOT_FOUND = 'RESOURCE_DOES_NOT_EXIST';
const PAGE = 1000;

export class MlflowModelRegistry implements ModelVersionRegistry {
  readonly capability = 'modelVersionRegistry' as const;
  readonly kind = 'mlflow';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: MlflowModelRegistryConfig;
  readonly #client: MlflowClient;
  readonly #gates: Readonly<Record<string, ModelGate>>;
  readonly #log: Logger;
  readonly #ops;
  #experimentId: Promise<string> | undefined;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(config: MlflowModelRegistryConfig, ctx: ConnectorContext, gates: Readonly<Record<string, ModelGate>> = MODEL_GATES) {
    this.#config = config;
    this.#gates = gates;
    this.#log = ctx.logger.child({ impl: 'modelVersionRegistry/mlflow' });
    this.#client = new MlflowClient({ url: config.url, timeoutMs: config.timeoutMs, maxAttempts: config.maxAttempts, token: config.token, logger: this.#log });
    this.#ops = counter(ctx.metrics, 'gofuture_model_registry_ops_total', 'ModelVersionRegistry operations, by implementation, operation and result', ['impl', 'op', 'result']);
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'modelVersionRegistry/mlflow is closed', { connector: 'modelVersionRegistry/mlflow' });
    if (this.#state === 'started') return;
    await this.#experiment();
    this.#state = 'started';
    if (this.#config.seed) {
      const added = await seedModelVersions(this, this.#config.seed);
      if (added.length) this.#log.info({ added, seed: this.#config.seed }, 'seeded the MLflow registry');
    }
    this.#log.debug({ url: this.#client.url }, 'started');
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started') return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    try {
      await this.#client.get('registered-models/search', { max_results: 1 });
      return { ok: true, detail: `MLflow at ${this.#client.url}` };
    } catch (e) {
      return { ok: false, detail: `MLflow at ${this.#client.url}: ${String(e)}` };
    }
  }

  async close(): Promise<void> {
    this.#state = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #op<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.#state !== 'started') throw new PlatformError('CONNECTOR_NOT_STARTED', `modelVersionRegistry/mlflow is ${this.#state === 'new' ? 'not started' : 'closed'}`, { connector: 'modelVersionRegistry/mlflow' });
    try {
      const r = await fn();
      this.#ops.inc({ impl: 'mlflow', op, result: 'ok' });
      return r;
    } catch (e) {
      this.#ops.inc({ impl: 'mlflow', op, result: 'error' });
      throw e;
    }
  }

  #experiment(): Promise<string> {
    this.#experimentId ??= (async () => {
      const name = this.#config.experiment;
      try {
        return (await this.#client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
      } catch (e) {
        if (!isMlflowError(e, NOT_FOUND)) throw e;
      }
      try {
        return (await this.#client.post<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
      } catch (e) {
        if (!isMlflowError(e, 'RESOURCE_ALREADY_EXISTS')) throw e; // another process created it
        return (await this.#client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name })).experiment.experiment_id;
      }
    })();
    this.#experimentId.catch(() => {
      this.#experimentId = undefined;
    });
    return this.#experimentId;
  }

  async #modelVersion(name: string, version: string): Promise<MlflowModelVersion> {
    if (!isModelName(name) || !/^[1-9][0-9]*$/.test(version)) throw modelNotFound(name, version);
    try {
      return (await this.#client.get<{ model_version: MlflowModelVersion }>('model-versions/get', { name, version })).model_version;
    } catch (e) {
      if (isMlflowError(e, NOT_FOUND)) throw modelNotFound(name, version);
      throw e;
    }
  }

  async #run(runId: string | undefined): Promise<MlflowRun | undefined> {
    if (!runId) return undefined;
    try {
      return (await this.#client.get<{ run: MlflowRun }>('runs/get', { run_id: runId })).run;
    } catch (e) {
      if (isMlflowError(e, NOT_FOUND)) return undefined;
      throw e;
    }
  }

  async #info(mv: MlflowModelVersion): Promise<ModelVersionInfo> {
    return toInfo(mv, await this.#run(mv.run_id));
  }

  createVersion(v: NewModelVersion): Promise<ModelVersionInfo> {
    return this.#op('createVersion', async () => {
      checkNewVersion(v);
      const own = Object.keys(v.tags ?? {}).find((k) => k.startsWith(TAG_PREFIX));
      if (own) throw new PlatformError('MODEL_INPUT_INVALID', `model ${v.name}: tag ${own} is reserved`, { reason: `tag ${own} is reserved` });
      const experimentId = await this.#experiment();
      const now = Date.now();
      const { run } = await this.#client.post<{ run: MlflowRun }>('runs/create', { experiment_id: experimentId, start_time: now, run_name: `${v.name}-train`, tags: [{ key: 'gofuture.model', value: v.name }] });
      const runId = run.info.run_id;
      const root = proxyPath(run.info.artifact_uri);
      if (root === undefined) {
        throw new PlatformError('CAPABILITY_UNSUPPORTED', `MLflow at ${this.#client.url} does not proxy artifacts (run artifact root ${run.info.artifact_uri ?? '?'}); start it with --serve-artifacts`, { connector: 'modelVersionRegistry/mlflow', capability: 'artifact upload' });
      }
      const payload = runPayload(v, now);
      await this.#client.post('runs/log-batch', { run_id: runId, ...payload });
      for (const [p, bytes] of Object.entries(v.artifacts)) await this.#client.putArtifact(`${root}/${MODEL_DIR}/${p}`, bytes);
      await this.#client.post('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
      try {
        await this.#client.post('registered-models/create', { name: v.name });
      } catch (e) {
        if (!isMlflowError(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
      }
      const { model_version: mv } = await this.#client.post<{ model_version: MlflowModelVersion }>('model-versions/create', {
        name: v.name,
        source: `${run.info.artifact_uri ?? ''}/${MODEL_DIR}`,
        run_id: runId,
        description: v.description,
        tags: versionTags(v),
      });
      return this.#info(mv);
    });
  }

  models(): Promise<readonly string[]> {
    return this.#op('models', async () => {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await this.#client.get<{ registered_models?: { name: string }[]; next_page_token?: string }>('registered-models/search', { max_results: PAGE, page_token: token });
        names.push(...(page.registered_models ?? []).map((m) => m.name));
        token = page.next_page_token || undefined;
      } while (token);
      return names.sort();
    });
  }

  versions(name: string): Promise<readonly ModelVersionInfo[]> {
    return this.#op('versions', async () => {
      if (!isModelName(name)) return [];
      const found: MlflowModelVersion[] = [];
      let token: string | undefined;
      do {
        const page = await this.#client.get<{ model_versions?: MlflowModelVersion[]; next_page_token?: string }>('model-versions/search', { filter: `name='${name}'`, max_results: PAGE, page_token: token });
        found.push(...(page.model_versions ?? []));
        token = page.next_page_token || undefined;
      } while (token);
      // search answers may leave out aliases: read each version itself
      const full = await Promise.all(found.map(async (mv) => this.#info(await this.#modelVersion(name, String(mv.version)))));
      return full.sort(byVersion);
    });
  }

  version(name: string, version: string): Promise<ModelVersionInfo> {
    return this.#op('version', async () => this.#info(await this.#modelVersion(name, version)));
  }

  async #aliasVersion(name: string, alias: string): Promise<MlflowModelVersion | undefined> {
    if (!isModelName(name)) return undefined;
    try {
      return (await this.#client.get<{ model_version: MlflowModelVersion }>('registered-models/alias', { name, alias })).model_version;
    } catch (e) {
      if (isMlflowError(e, NOT_FOUND) || isMlflowError(e, 'INVALID_PARAMETER_VALUE')) return undefined;
      throw e;
    }
  }

  byAlias(name: string, alias: string): Promise<ModelVersionInfo | undefined> {
    return this.#op('byAlias', async () => {
      const mv = await this.#aliasVersion(name, alias);
      return mv ? this.#info(mv) : undefined;
    });
  }

  setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.#op('setAlias', async () => {
      const mv = await this.#modelVersion(name, version);
      if (alias === CHAMPION) assertChampionGate(await this.#info(mv), this.#gates);
      const previous = alias === CHAMPION ? await this.#aliasVersion(name, alias) : undefined;
      await this.#client.post('registered-models/alias', { name, alias, version });
      if (alias !== CHAMPION) return;
      await this.#transition(name, version, 'Production');
      if (previous && String(previous.version) !== version) await this.#transition(name, String(previous.version), 'Archived');
    });
  }

  async #transition(name: string, version: string, stage: ModelStage): Promise<void> {
    await this.#client.post('model-versions/transition-stage', { name, version, stage, archive_existing_versions: false });
  }

  deleteAlias(name: string, alias: string): Promise<void> {
    return this.#op('deleteAlias', async () => {
      if (!isModelName(name)) return;
      try {
        await this.#client.delete('registered-models/alias', { name, alias });
      } catch (e) {
        if (!isMlflowError(e, NOT_FOUND)) throw e; // an unknown model has no alias to delete
      }
    });
  }

  setStage(name: string, version: string, stage: ModelStage): Promise<void> {
    return this.#op('setStage', async () => {
      await this.#modelVersion(name, version);
      await this.#transition(name, version, stage);
    });
  }

  artifact(name: string, version: string, p: string): Promise<Uint8Array> {
    return this.#op('artifact', async () => {
      const mv = await this.#modelVersion(name, version);
      const info = toInfo(mv, undefined);
      const missing = () => modelNotFound(name, version, `model ${name} version ${version} has no artifact ${p}`);
      if (info.artifactPaths.length && !info.artifactPaths.includes(p)) throw missing();
      const root = proxyPath(mv.source);
      if (root === undefined) throw new PlatformError('CAPABILITY_UNSUPPORTED', `model ${name} version ${version}: source ${mv.source ?? '?'} is not behind MLflow's artifact proxy`, { connector: 'modelVersionRegistry/mlflow', capability: 'artifact download' });
      try {
        return await this.#client.getArtifact(`${root}/${p}`);
      } catch (e) {
        if (isMlflowError(e, NOT_FOUND) || (e instanceof Error && 'status' in e && e.status === 404)) throw missing();
        throw e;
      }
    });
  }
}
