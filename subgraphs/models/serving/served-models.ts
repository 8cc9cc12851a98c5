/**
 * The model versions serving answers with, resolved by alias through the ModelVersionRegistry
 * (MLflow 2.9+ aliases `champion`, `challenger`), and the hot swap when an alias moves.
 *
 * refresh() (at start, then every `pollMs`) reads each model's aliases; when one points at another
 * version, the new version's `model.onnx` is written under `artifactDir`, loaded into the runtime,
 * and only then does the alias slot switch to it (one synchronous map write: a request sees the old
 * or the new version, never none). Each prediction holds a lease on the version it runs; the old
 * version is unloaded when no alias points at it and its last lease is released, so no request in
 * flight fails. A version that cannot be loaded leaves the alias on the version served before.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ModelCard, ModelRuntime } from '../../../connectors/contracts/model-runtime.ts';
import type { ModelVersionInfo, ModelVersionRegistry } from '../../../connectors/contracts/model-version-registry.ts';
import { errorMessage } from '../../../schema/errors.ts';

export const SERVED_ALIASES = ['champion', 'challenger'] as const;
export type ServedAlias = (typeof SERVED_ALIASES)[number];

export interface ServedModelsOptions {
  readonly registry: ModelVersionRegistry;
  readonly runtime: ModelRuntime;
  /** Where artifacts are written for the runtime to load (versions are immutable: written once). */
  readonly artifactDir: string;
  readonly logger: Logger;
  /** Alias poll interval in ms; 0 = only explicit refresh() calls. */
  readonly pollMs: number;
}

/** A version held by one prediction: release() exactly once when its runs are done. */
export interface Lease {
  readonly card: ModelCard;
  readonly alias: ServedAlias;
  release(): void;
}

interface Loaded {
  readonly card: ModelCard;
  readonly key: string;
  /** Alias slots pointing at this version. */
  slots: number;
  /** Leases not yet released. */
  inflight: number;
}

const keyOf = (name: string, version: string): string => `${name}@${version}`;

/** The runtime's card of a registry version (`file` is the written artifact). */
export function cardOf(info: ModelVersionInfo, file: string): ModelCard {
  return {
    name: info.name,
    version: info.version,
    stage: info.stage,
    file,
    featureNames: info.featureNames,
    outputNames: info.outputNames,
    // the gate compares metrics with baselines; the threshold lives in metrics
    metrics: { ...info.baselines, ...info.metrics },
    trainedAt: info.createdAt,
    description: info.description,
  };
}

export class ServedModels {
  readonly #o: ServedModelsOptions;
  readonly #log: Logger;
  readonly #loaded = new Map<string, Loaded>();
  readonly #slots = new Map<string, Map<ServedAlias, Loaded>>();
  #refreshing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Alias moves applied (for tests and health). */
  swaps = 0;

  constructor(o: ServedModelsOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: 'served-models' });
  }

  async start(): Promise<void> {
    await this.refresh();
    if (this.#o.pollMs > 0) {
      this.#timer = setInterval(() => {
        void this.refresh().catch((e: unknown) => this.#log.warn({ err: errorMessage(e) }, 'alias poll failed'));
      }, this.#o.pollMs);
      this.#timer.unref();
    }
  }

  /** Reads every model's aliases and swaps the ones that moved; concurrent calls share one pass. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  /** Takes a lease on the version an alias serves now, or undefined when the alias is unset. */
  acquire(model: string, alias: ServedAlias): Lease | undefined {
    const l = this.#slots.get(model)?.get(alias);
    if (!l) return undefined;
    l.inflight++;
    let released = false;
    return {
      card: l.card,
      alias,
      release: () => {
        if (released) return;
        released = true;
        l.inflight--;
        this.#maybeUnload(l);
      },
    };
  }

  /** The card an alias serves now (no lease). */
  current(model: string, alias: ServedAlias): ModelCard | undefined {
    return this.#slots.get(model)?.get(alias)?.card;
  }

  /** Models with a served champion. */
  models(): string[] {
    return [...this.#slots.entries()].filter(([, s]) => s.has('champion')).map(([m]) => m).sort();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#refreshing?.catch(() => undefined);
    for (const slots of this.#slots.values()) {
      for (const l of slots.values()) l.slots--;
    }
    this.#slots.clear();
    for (const l of [...this.#loaded.values()]) this.#maybeUnload(l);
  }

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    for (const model of await this.#o.registry.models()) {
      for (const alias of SERVED_ALIASES) {
        try {
          await this.#sync(model, alias);
        } catch (e) {
          this.#log.error({ err: errorMessage(e), model, alias }, 'alias not applied; the version served before stays');
        }
      }
    }
  }

  async #sync(model: string, alias: ServedAlias): Promise<void> {
    const info = await this.#o.registry.byAlias(model, alias);
    const slots = this.#slots.get(model) ?? new Map<ServedAlias, Loaded>();
    this.#slots.set(model, slots);
    const current = slots.get(alias);
    if (info?.version === current?.card.version) return;
    const next = info ? await this.#ensureLoaded(info) : undefined;
    if (this.#closed) {
      if (next) this.#maybeUnload(next);
      return;
    }
    // the switch: one map write, after the new version is loaded
    if (next) {
      next.slots++;
      slots.set(alias, next);
    } else {
      slots.delete(alias);
    }
    this.swaps++;
    this.#log.info({ model, alias, from: current?.card.version ?? null, to: next?.card.version ?? null }, 'alias moved: serving switched');
    if (current) {
      current.slots--;
      this.#maybeUnload(current);
    }
  }

  async #ensureLoaded(info: ModelVersionInfo): Promise<Loaded> {
    const key = keyOf(info.name, info.version);
    const have = this.#loaded.get(key);
    if (have) return have;
    const file = path.join(this.#o.artifactDir, info.name, info.version, 'model.onnx');
    if (!(await stat(file).catch(() => null))) {
      const bytes = await this.#o.registry.artifact(info.name, info.version, 'model.onnx');
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    }
    const card = cardOf(info, file);
    await this.#o.runtime.load(card, file);
    const l: Loaded = { card, key, slots: 0, inflight: 0 };
    this.#loaded.set(key, l);
    return l;
  }

  #maybeUnload(l: Loaded): void {
    if (l.slots > 0 || l.inflight > 0 || this.#loaded.get(l.key) !== l) return;
    this.#loaded.delete(l.key);
    void this.#o.runtime.unload(l.card.name, l.card.version)
      .then(() => this.#log.info({ model: l.card.name, version: l.card.version }, 'model version unloaded'))
      .catch((e: unknown) => this.#log.warn({ err: errorMessage(e), model: l.card.name, version: l.card.version }, 'unload failed'));
  }
}
