/**
 * The window engine: any set of window specs over the domain events. Routes each record to the
 * specs that read its topic (a spec's topics are those of its event types, schema/events), applies
 * it to each, and merges their outcomes. State is one JSON snapshot of every spec's state, tagged
 * with each spec's fingerprint so a checkpoint is never resumed under another definition.
 */
import { createHash } from 'node:crypto';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { EVENT_TOPIC } from '../../schema/events/domain-events.ts';
import { PlatformError } from '../../schema/errors.ts';
import { specEventTypes, type WindowSpec } from '../../schema/windows/window-spec.ts';
import { SpecWindows, type SpecChanges, type SpecSnapshot, type SpecWindowView } from './spec-windows.ts';

export interface EngineSnapshot {
  readonly format: 1;
  readonly specs: Readonly<Record<string, { readonly fingerprint: string; readonly state: SpecSnapshot }>>;
}

export interface EngineOutcome {
  /** Specs that counted the event. */
  readonly applied: number;
  /** Specs that had the record already (offset) or the event (event_id). */
  readonly duplicate: number;
  /** Reasons of the specs the event came too late for (empty: late for none). */
  readonly late: readonly string[];
}

/** Stable short hash of a spec's definition (key order normalised). */
export function specFingerprint(spec: WindowSpec): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canon(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canon(spec))).digest('hex').slice(0, 16);
}

/** The topics a spec reads. */
export const specTopics = (spec: WindowSpec): string[] => [...new Set(specEventTypes(spec).map((t) => EVENT_TOPIC[t].name))].sort();

export class WindowEngine {
  readonly specs: readonly WindowSpec[];
  readonly #engines: { readonly spec: WindowSpec; readonly topics: ReadonlySet<string>; readonly windows: SpecWindows }[];

  constructor(specs: readonly WindowSpec[], snapshot?: EngineSnapshot) {
    this.specs = specs;
    this.#engines = specs.map((spec) => {
      const saved = snapshot?.specs[spec.name];
      if (saved && saved.fingerprint !== specFingerprint(spec)) {
        throw new PlatformError('CONFIG_INVALID', `invalid config at windows.groupId: the checkpoint holds spec ${spec.name} under another definition; give the changed spec set a new windows.groupId (or leave it unset: the default id follows the specs)`, { path: 'windows.groupId' });
      }
      return { spec, topics: new Set(specTopics(spec)), windows: new SpecWindows(spec, saved?.state) };
    });
  }

  /** Every topic some spec reads. */
  topics(): string[] {
    return [...new Set(this.#engines.flatMap((e) => [...e.topics]))].sort();
  }

  /** Partitions (`topic:partition`) known to hold data: each spec reading the topic waits for them. */
  registerPartitions(keys: readonly string[]): void {
    for (const e of this.#engines) e.windows.registerPartitions(keys.filter((k) => e.topics.has(topicOf(k))));
  }

  unseenPartitions(): string[] {
    return [...new Set(this.#engines.flatMap((e) => e.windows.unseenPartitions()))];
  }

  forgetUnseenPartition(key: string): void {
    for (const e of this.#engines) e.windows.forgetUnseenPartition(key);
  }

  apply(topic: string, partition: number, offset: string, event: DomainEvent): EngineOutcome {
    const key = `${topic}:${partition}`;
    let applied = 0;
    let duplicate = 0;
    const late: string[] = [];
    for (const e of this.#engines) {
      if (!e.topics.has(topic)) continue;
      const o = e.windows.apply(key, offset, event);
      if (o.kind === 'applied') applied++;
      else if (o.kind === 'duplicate' || o.kind === 'repeated') duplicate++;
      else if (o.kind === 'late') late.push(o.reason);
    }
    return { applied, duplicate, late };
  }

  /** A producer watermark mark at `offset` of a partition. */
  mark(topic: string, partition: number, offset: string, watermarkMs: number): void {
    for (const e of this.#engines) if (e.topics.has(topic)) e.windows.mark(`${topic}:${partition}`, offset, watermarkMs);
  }

  drain(): SpecChanges {
    const running: SpecWindowView[] = [];
    const final: SpecWindowView[] = [];
    const retracted: SpecWindowView[] = [];
    for (const e of this.#engines) {
      const c = e.windows.drain();
      running.push(...c.running);
      final.push(...c.final);
      retracted.push(...c.retracted);
    }
    return { running, final, retracted };
  }

  /** The watermark of each spec (null until every partition it waits for delivered). */
  watermarks(): Record<string, number | null> {
    return Object.fromEntries(this.#engines.map((e) => [e.spec.name, e.windows.watermark()]));
  }

  openWindowCount(): number {
    return this.#engines.reduce((n, e) => n + e.windows.openWindowCount(), 0);
  }

  openWindows(): SpecWindowView[] {
    return this.#engines.flatMap((e) => e.windows.openWindows());
  }

  snapshot(): EngineSnapshot {
    return { format: 1, specs: Object.fromEntries(this.#engines.map((e) => [e.spec.name, { fingerprint: specFingerprint(e.spec), state: e.windows.snapshot() }])) };
  }
}

function topicOf(key: string): string {
  const i = key.lastIndexOf(':');
  return i < 0 ? key : key.slice(0, i);
}
