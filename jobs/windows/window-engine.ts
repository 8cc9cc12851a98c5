/**
 * The window engine: any set of window specs over the domain events. Routes each record to the
 * specs that read its topic (a spec's topics are those of its event types, schema/events), applies
 * it to each (the specs of one lateness group with one lateness decision), and merges their
 * outcomes. State is one JSON snapshot of every spec's state, tagged with each spec's fingerprint
 * so a checkpoint is never resumed under another definition.
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
  /** Of those, the specs that had the event (event_id) from another record. */
  readonly repeated: number;
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

interface Entry {
  readonly spec: WindowSpec;
  readonly topics: ReadonlySet<string>;
  readonly windows: SpecWindows;
}

export class WindowEngine {
  readonly specs: readonly WindowSpec[];
  readonly #engines: Entry[];
  /** The engines by lateness group (name null: a spec on its own), in spec order. */
  readonly #groups: { readonly name: string | null; readonly members: Entry[] }[] = [];

  /** `groupIdPath`: the config key named when the snapshot holds a spec under another definition. */
  constructor(specs: readonly WindowSpec[], snapshot?: EngineSnapshot, groupIdPath = 'windows.groupId') {
    this.specs = specs;
    this.#engines = specs.map((spec) => {
      const saved = snapshot?.specs[spec.name];
      if (saved && saved.fingerprint !== specFingerprint(spec)) {
        throw new PlatformError('CONFIG_INVALID', `invalid config at ${groupIdPath}: the checkpoint holds spec ${spec.name} under another definition; give the changed spec set a new ${groupIdPath} (or leave it unset where the default id follows the specs)`, { path: groupIdPath });
      }
      return { spec, topics: new Set(specTopics(spec)), windows: new SpecWindows(spec, saved?.state) };
    });
    const byName = new Map<string, Entry[]>();
    for (const e of this.#engines) {
      const name = e.spec.latenessGroup;
      if (name === undefined) this.#groups.push({ name: null, members: [e] });
      else if (byName.has(name)) byName.get(name)?.push(e);
      else {
        const members = [e];
        byName.set(name, members);
        this.#groups.push({ name, members });
      }
    }
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

  /**
   * Applies a record to every spec reading its topic. The specs of one lateness group decide
   * together: late for one member is late for all (one reason for the group), so a group's windows
   * always count the same events.
   */
  apply(topic: string, partition: number, offset: string, event: DomainEvent): EngineOutcome {
    const key = `${topic}:${partition}`;
    let applied = 0;
    let duplicate = 0;
    let repeated = 0;
    const late: string[] = [];
    for (const group of this.#groups) {
      const members = group.members.filter((e) => e.topics.has(topic));
      if (members.length === 0) continue;
      let veto: string | undefined;
      if (group.name !== null && members.length > 1) {
        for (const e of members) {
          const c = e.windows.check(key, offset, event);
          if (c.kind === 'late') {
            veto = `${c.reason}; so for every spec of lateness group ${group.name}`;
            break;
          }
        }
      }
      let reason: string | undefined;
      for (const e of members) {
        const o = e.windows.apply(key, offset, event, veto);
        if (o.kind === 'applied') applied++;
        else if (o.kind === 'duplicate' || o.kind === 'repeated') {
          duplicate++;
          if (o.kind === 'repeated') repeated++;
        } else if (o.kind === 'late') reason ??= o.reason;
      }
      if (reason !== undefined) late.push(reason);
    }
    return { applied, duplicate, repeated, late };
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

  /** Open windows of every spec, or of the specs `which` selects. */
  openWindowCount(which: (spec: WindowSpec) => boolean = () => true): number {
    return this.#engines.reduce((n, e) => n + (which(e.spec) ? e.windows.openWindowCount() : 0), 0);
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
