/**
 * A ModelVersionRegistry on local disk (embedded default), under `root` (`<dataDir>/registry`):
 *
 *   models/<name>/versions/<n>/record.json     the version (immutable): params, metrics, lineage...
 *   models/<name>/versions/<n>/artifacts/...   its artifacts, model.onnx first among them
 *   models/<name>/state.json                   aliases and stages (the only mutable file)
 *
 * Safe for several processes over one folder: a version is written whole into `.tmp/` and renamed
 * to `versions/<n>`; rename onto an existing (non-empty) version fails, so racing writers take the
 * next number. state.json is rewritten (temp file + rename) under a per-model folder lock, so
 * readers never see half a file and two setAlias calls never lose each other's update. With `seed`
 * (models/registry.json) a fresh registry is filled with the committed models and their champions.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PlatformError } from '../../schema/errors.ts';
import { MODEL_GATES, type ModelGate } from '../../schema/model-gates.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { ModelStage } from '../contracts/model-runtime.ts';
import type { ModelVersionInfo, ModelVersionRegistry, NewModelVersion } from '../contracts/model-version-registry.ts';
import { counter } from '../support/metrics.ts';
import { assertChampionGate, byVersion, CHAMPION, checkNewVersion, isModelName, modelNotFound } from '../support/model-version-rules.ts';
import { seedModelVersions } from '../support/seed-model-versions.ts';
import { withDirLock } from './dir-lock.ts';

export const fileModelVersionRegistryConfigSchema = z.object({
  /** The registry folder (`<dataDir>/registry`). */
  root: z.string().min(1),
  /** A models/registry.json whose cards fill a registry that does not hold their model yet. */
  seed: z.string().min(1).optional(),
  /** How long a writer waits for another process's lock before CONNECTOR_UNAVAILABLE. */
  lockTimeoutMs: z.number().int().min(100).default(10_000),
}).strict();

export type FileModelVersionRegistryConfig = z.output<typeof fileModelVersionRegistryConfigSchema>;

type Record_ = Omit<ModelVersionInfo, 'version' | 'stage' | 'aliases'>;

interface State {
  aliases: Record<string, string>;
  stages: Record<string, ModelStage>;
}

const STALE_LOCK_MS = 30_000;

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes(String((e as { code?: unknown }).code));
}

async function writeDurable(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FileModelVersionRegistry implements ModelVersionRegistry {
  readonly capability = 'modelVersionRegistry' as const;
  readonly kind = 'file';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #root: string;
  readonly #seed: string | undefined;
  readonly #lock;
  readonly #gates: Readonly<Record<string, ModelGate>>;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #ops;
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(config: FileModelVersionRegistryConfig, ctx: ConnectorContext, gates: Readonly<Record<string, ModelGate>> = MODEL_GATES, now: () => number = Date.now) {
    this.#root = path.resolve(config.root);
    this.#seed = config.seed;
    this.#lock = { timeoutMs: config.lockTimeoutMs, staleMs: STALE_LOCK_MS };
    this.#gates = gates;
    this.#now = now;
    this.#log = ctx.logger.child({ impl: 'modelVersionRegistry/file' });
    this.#ops = counter(ctx.metrics, 'gofuture_model_registry_ops_total', 'ModelVersionRegistry operations, by implementation, operation and result', ['impl', 'op', 'result']);
  }

  async start(): Promise<void> {
    if (this.#state === 'closed') throw new PlatformError('CONNECTOR_NOT_STARTED', 'modelVersionRegistry/file is closed', { connector: 'modelVersionRegistry/file' });
    if (this.#state === 'started') return;
    await mkdir(path.join(this.#root, '.tmp'), { recursive: true });
    await mkdir(path.join(this.#root, 'models'), { recursive: true });
    this.#state = 'started';
    if (this.#seed) {
      const seed = this.#seed;
      const added = await withDirLock(this.#root, this.#lock, () => seedModelVersions(this, seed));
      if (added.length) this.#log.info({ added, seed }, 'seeded the registry');
    }
    this.#log.debug({ root: this.#root }, 'started');
  }

  async health(): Promise<HealthReport> {
    if (this.#state !== 'started') return { ok: false, detail: this.#state === 'new' ? 'not started' : 'closed' };
    try {
      const n = (await readdir(path.join(this.#root, 'models'))).length;
      return { ok: true, detail: `${n} model(s) in ${this.#root}` };
    } catch (e) {
      return { ok: false, detail: `${this.#root}: ${String(e)}` };
    }
  }

  async close(): Promise<void> {
    this.#state = 'closed';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #ready(): void {
    if (this.#state !== 'started') throw new PlatformError('CONNECTOR_NOT_STARTED', `modelVersionRegistry/file is ${this.#state === 'new' ? 'not started' : 'closed'}`, { connector: 'modelVersionRegistry/file' });
  }

  async #op<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.#ready();
    try {
      const r = await fn();
      this.#ops.inc({ impl: 'file', op, result: 'ok' });
      return r;
    } catch (e) {
      this.#ops.inc({ impl: 'file', op, result: 'error' });
      throw e;
    }
  }

  #modelDir(name: string): string {
    if (!isModelName(name)) throw modelNotFound(name);
    return path.join(this.#root, 'models', name);
  }

  async #versionNumbers(name: string): Promise<number[]> {
    let entries: string[];
    try {
      entries = await readdir(path.join(this.#modelDir(name), 'versions'));
    } catch (e) {
      if (isCode(e, 'ENOENT')) return [];
      throw e;
    }
    return entries.filter((e) => /^[1-9][0-9]*$/.test(e)).map(Number).sort((a, b) => a - b);
  }

  async #record(name: string, version: string): Promise<Record_> {
    if (!/^[1-9][0-9]*$/.test(version)) throw modelNotFound(name, version);
    try {
      return JSON.parse(await readFile(path.join(this.#modelDir(name), 'versions', version, 'record.json'), 'utf8')) as Record_;
    } catch (e) {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) throw modelNotFound(name, version);
      throw e;
    }
  }

  async #readState(name: string): Promise<State> {
    try {
      return JSON.parse(await readFile(path.join(this.#modelDir(name), 'state.json'), 'utf8')) as State;
    } catch (e) {
      if (isCode(e, 'ENOENT')) return { aliases: {}, stages: {} };
      throw e;
    }
  }

  /** Read-modify-write of state.json under the model's lock. */
  async #updateState(name: string, fn: (s: State) => void | Promise<void>): Promise<void> {
    const dir = this.#modelDir(name);
    await withDirLock(dir, this.#lock, async () => {
      const s = await this.#readState(name);
      await fn(s);
      const tmp = path.join(this.#root, '.tmp', `state-${randomUUID()}.json`);
      await writeDurable(tmp, `${JSON.stringify(s, null, 2)}\n`);
      await rename(tmp, path.join(dir, 'state.json'));
    });
  }

  #view(name: string, version: string, r: Record_, s: State): ModelVersionInfo {
    const aliases = Object.entries(s.aliases).filter(([, v]) => v === version).map(([a]) => a).sort();
    return { ...r, name, version, stage: s.stages[version] ?? 'None', aliases };
  }

  createVersion(v: NewModelVersion): Promise<ModelVersionInfo> {
    return this.#op('createVersion', async () => {
      checkNewVersion(v);
      const { artifacts, ...rest } = v;
      const record: Record_ = { ...structuredClone(rest), createdAt: new Date(this.#now()).toISOString(), artifactPaths: Object.keys(artifacts).sort() };
      const staging = path.join(this.#root, '.tmp', `version-${randomUUID()}`);
      try {
        for (const [p, b] of Object.entries(artifacts)) await writeDurable(path.join(staging, 'artifacts', ...p.split('/')), b);
        await writeDurable(path.join(staging, 'record.json'), `${JSON.stringify(record, null, 2)}\n`);
        const versionsDir = path.join(this.#modelDir(v.name), 'versions');
        await mkdir(versionsDir, { recursive: true });
        let n = ((await this.#versionNumbers(v.name)).at(-1) ?? 0) + 1;
        for (;;) {
          try {
            await rename(staging, path.join(versionsDir, String(n)));
            break;
          } catch (e) {
            if (!isCode(e, 'EEXIST', 'ENOTEMPTY', 'EPERM')) throw e;
            n += 1; // another writer took n
          }
        }
        return this.#view(v.name, String(n), record, await this.#readState(v.name));
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  models(): Promise<readonly string[]> {
    return this.#op('models', async () => {
      const names = await readdir(path.join(this.#root, 'models'));
      const out: string[] = [];
      for (const n of names) if (isModelName(n) && (await this.#versionNumbers(n)).length) out.push(n);
      return out.sort();
    });
  }

  versions(name: string): Promise<readonly ModelVersionInfo[]> {
    return this.#op('versions', async () => {
      if (!isModelName(name)) return [];
      const s = await this.#readState(name);
      const out: ModelVersionInfo[] = [];
      for (const n of await this.#versionNumbers(name)) {
        const v = String(n);
        const r = await this.#record(name, v).catch((e: unknown) => (e instanceof PlatformError && e.code === 'MODEL_NOT_FOUND' ? undefined : Promise.reject(e)));
        if (r) out.push(this.#view(name, v, r, s));
      }
      return out.sort(byVersion);
    });
  }

  version(name: string, version: string): Promise<ModelVersionInfo> {
    return this.#op('version', async () => this.#view(name, version, await this.#record(name, version), await this.#readState(name)));
  }

  byAlias(name: string, alias: string): Promise<ModelVersionInfo | undefined> {
    return this.#op('byAlias', async () => {
      if (!isModelName(name)) return undefined;
      const s = await this.#readState(name);
      const v = s.aliases[alias];
      return v === undefined ? undefined : this.#view(name, v, await this.#record(name, v), s);
    });
  }

  setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.#op('setAlias', async () => {
      const r = await this.#record(name, version);
      if (alias === CHAMPION) assertChampionGate({ name, version, metrics: r.metrics, baselines: r.baselines }, this.#gates);
      await this.#updateState(name, (s) => {
        const previous = s.aliases[alias];
        s.aliases[alias] = version;
        if (alias === CHAMPION) {
          if (previous !== undefined && previous !== version) s.stages[previous] = 'Archived';
          s.stages[version] = 'Production';
        }
      });
    });
  }

  deleteAlias(name: string, alias: string): Promise<void> {
    return this.#op('deleteAlias', async () => {
      if (!isModelName(name) || !(await this.#versionNumbers(name)).length) return;
      await this.#updateState(name, (s) => {
        delete s.aliases[alias];
      });
    });
  }

  setStage(name: string, version: string, stage: ModelStage): Promise<void> {
    return this.#op('setStage', async () => {
      await this.#record(name, version);
      await this.#updateState(name, (s) => {
        s.stages[version] = stage;
      });
    });
  }

  artifact(name: string, version: string, p: string): Promise<Uint8Array> {
    return this.#op('artifact', async () => {
      const r = await this.#record(name, version);
      if (!r.artifactPaths.includes(p)) throw modelNotFound(name, version, `model ${name} version ${version} has no artifact ${p}`);
      return new Uint8Array(await readFile(path.join(this.#modelDir(name), 'versions', version, 'artifacts', ...p.split('/'))));
    });
  }

  /** Where an artifact lies on disk (what an ONNX runtime can load straight from the file). */
  async artifactFile(name: string, version: string, p: string): Promise<string> {
    const r = await this.#record(name, version);
    if (!r.artifactPaths.includes(p)) throw modelNotFound(name, version, `model ${name} version ${version} has no artifact ${p}`);
    return path.join(this.#modelDir(name), 'versions', version, 'artifacts', ...p.split('/'));
  }
}

export function createFileModelVersionRegistry(config: z.input<typeof fileModelVersionRegistryConfigSchema>, ctx: ConnectorContext, gates?: Readonly<Record<string, ModelGate>>): FileModelVersionRegistry {
  return new FileModelVersionRegistry(fileModelVersionRegistryConfigSchema.parse(config), ctx, gates);
}
