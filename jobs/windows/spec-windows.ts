/**
 * The pure core of one window spec: events in, window changes out, state as a JSON snapshot.
 *
 * Watermark. Each partition (`topic:partition`) of the spec's topics contributes
 * max(max valid event time - allowedLateness, producer watermark mark) (control records,
 * schema/events/control-records.ts); the spec's watermark is the minimum over the partitions known
 * to hold data (one that has neither delivered an event nor a mark holds it), never moving back.
 * A window is FINAL once the watermark reaches its end.
 *
 * Lateness: closedUpTo = the partition's own share of the watermark, max(max event time - lateness, its producer mark). A tumbling / hopping event
 * is LATE when the earliest-ending window it falls in has end <= closedUpTo; a session event when
 * its time is < closedUpTo (it could otherwise reopen or bridge a session already final). The spec
 * watermark never exceeds a partition's share, so no accepted event falls into a final window, and
 * lateness depends only on the record order within the partition: replays reproduce the same
 * windows. A producer that keeps its marks' promise never sends an event below its mark, so then
 * the valid events alone decide. Specs of one lateness group (the region windows) take one decision:
 * the engine asks each member (check) and applies the event to none when it is late for one.
 *
 * Exactly once: per record by offset (each partition remembers the next offset to apply; records
 * below it are duplicates) and per event by event_id (every open window keeps the hashed ids it
 * counted; a repeat is `repeated`). Events without a value for a key dimension, or that no measure
 * takes, are `ignored` (they still move their partition's watermark).
 *
 * Sessions: an event's interval [t, t + gap) merges every session of its key it intersects;
 * a session is [first, last + gap). A session whose start moved (merged, or extended back by an
 * out-of-order event) after it was output is retracted under its old start.
 */
import { createHash } from 'node:crypto';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { dimensionValue } from '../../schema/windows/dimensions.ts';
import { windowSizeMs, windowSlideMs, type WindowSpec } from '../../schema/windows/window-spec.ts';
import { CompiledMeasures, type Acc, type AccSnapshot } from './measures.ts';

export type ApplyOutcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'repeated' }
  | { readonly kind: 'late'; readonly reason: string };

export interface SpecWindowView {
  readonly spec: string;
  /** The key dimensions' values, in keyBy order ([] for an unkeyed spec). */
  readonly keyValues: readonly string[];
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly values: Readonly<Record<string, number | null>>;
  /** Events counted in the window. */
  readonly events: number;
  readonly isFinal: boolean;
  /** A session window that no longer exists under this start (merged into another one). */
  readonly retracted: boolean;
  /** 2 x events counted (+1 when final): grows with every change of the window. */
  readonly version: number;
}

export interface SpecChanges {
  readonly running: readonly SpecWindowView[];
  readonly final: readonly SpecWindowView[];
  readonly retracted: readonly SpecWindowView[];
}

export interface SpecPartitionSnapshot {
  readonly nextOffset: string | null;
  readonly maxEventTime: number | null;
  readonly mark: number | null;
}

export interface SpecWindowSnapshot {
  readonly key: readonly string[];
  readonly start: number;
  /** Hopping / tumbling: the end; session: the last event time. */
  readonly last: number;
  readonly events: number;
  readonly accs: readonly AccSnapshot[];
  readonly seen: readonly string[];
  readonly emittedStart: number | null;
}

export interface SpecSnapshot {
  readonly watermark: number | null;
  readonly partitions: Readonly<Record<string, SpecPartitionSnapshot>>;
  readonly windows: readonly SpecWindowSnapshot[];
}

interface Partition {
  nextOffset: bigint | null;
  maxEventTime: number | null;
  mark: number | null;
}

interface Win {
  readonly keyValues: readonly string[];
  start: number;
  /** Hopping: end; session: last event time. */
  last: number;
  events: number;
  readonly accs: Acc[];
  readonly seen: Set<string>;
  dirty: boolean;
  /** The start this window was last output under (null: never output). */
  emittedStart: number | null;
}

let lastId: string | null = null;
let lastKey = '';
/** 60 bits of sha-256 of an event id (compact in the checkpoint); the last one is kept, as an event goes to every spec in turn. */
const idKey = (eventId: string): string => {
  if (eventId !== lastId) {
    lastKey = createHash('sha256').update(eventId).digest('base64url').slice(0, 10);
    lastId = eventId;
  }
  return lastKey;
};
const iso = (ms: number): string => new Date(ms).toISOString();

export class SpecWindows {
  readonly spec: WindowSpec;
  readonly #measures: CompiledMeasures;
  readonly #size: number;
  readonly #slide: number;
  readonly #session: boolean;
  readonly #lateness: number;
  readonly #partitions = new Map<string, Partition>();
  /** Hopping: `${keyJson}\u0000${start}` -> window. Session: keyJson -> sessions of the key. */
  readonly #windows = new Map<string, Win>();
  readonly #sessions = new Map<string, Win[]>();
  readonly #retracted: SpecWindowView[] = [];
  #watermark: number | null = null;

  constructor(spec: WindowSpec, snapshot?: SpecSnapshot) {
    this.spec = spec;
    this.#measures = new CompiledMeasures(spec);
    this.#size = windowSizeMs(spec.window);
    this.#slide = windowSlideMs(spec.window);
    this.#session = spec.window.kind === 'session';
    this.#lateness = spec.allowedLatenessMs;
    if (snapshot) this.#restore(snapshot);
  }

  watermark(): number | null {
    return this.#watermark;
  }

  registerPartitions(keys: Iterable<string>): void {
    for (const k of keys) if (!this.#partitions.has(k)) this.#partitions.set(k, { nextOffset: null, maxEventTime: null, mark: null });
  }

  unseenPartitions(): string[] {
    return [...this.#partitions].filter(([, p]) => p.maxEventTime === null && p.mark === null).map(([k]) => k);
  }

  forgetUnseenPartition(key: string): void {
    const p = this.#partitions.get(key);
    if (p && p.maxEventTime === null && p.mark === null) this.#partitions.delete(key);
  }

  openWindowCount(): number {
    let n = this.#windows.size;
    for (const s of this.#sessions.values()) n += s.length;
    return n;
  }

  #partition(key: string): Partition {
    let p = this.#partitions.get(key);
    if (!p) {
      p = { nextOffset: null, maxEventTime: null, mark: null };
      this.#partitions.set(key, p);
    }
    return p;
  }

  /**
   * A producer watermark mark of partition `key` (a promise: no later event there is older than
   * `watermarkMs`). Raises the partition's share of the watermark; marks only grow, so a re-delivered
   * one changes nothing. `offset` is the mark's own (kept for logs; marks are not deduplicated by it,
   * since the event consumer hands a batch's highest mark after the batch's events).
   */
  mark(key: string, _offset: string, watermarkMs: number): void {
    const p = this.#partition(key);
    p.mark = p.mark === null ? watermarkMs : Math.max(p.mark, watermarkMs);
  }

  /**
   * What apply() would decide for this record, without changing anything: a lateness group asks
   * every member first and then applies with the group's verdict.
   */
  check(key: string, offset: string, event: DomainEvent): { readonly kind: 'duplicate' | 'ignored' | 'takes' } | { readonly kind: 'late'; readonly reason: string } {
    const p = this.#partitions.get(key);
    if (p?.nextOffset != null && BigInt(offset) < p.nextOffset) return { kind: 'duplicate' };
    const t = event.occurred_at;
    const c = this.#classify(key, p?.maxEventTime == null ? t : Math.max(p.maxEventTime, t), p?.mark ?? null, event);
    return c.kind === 'takes' ? { kind: 'takes' } : c;
  }

  /**
   * Applies one record of partition `key` at `offset` (records of one partition in offset order).
   * `lateBy`: the reason of the spec's lateness group when the event is late for another member;
   * the event then counts nowhere here either (its offset and time still advance the partition).
   */
  apply(key: string, offset: string, event: DomainEvent, lateBy?: string): ApplyOutcome {
    const p = this.#partition(key);
    const off = BigInt(offset);
    if (p.nextOffset !== null && off < p.nextOffset) return { kind: 'duplicate' };
    p.nextOffset = off + 1n;
    const t = event.occurred_at;
    p.maxEventTime = p.maxEventTime === null ? t : Math.max(p.maxEventTime, t);
    const c = this.#classify(key, p.maxEventTime, p.mark, event);
    if (c.kind !== 'takes') return c;
    if (lateBy !== undefined) return { kind: 'late', reason: lateBy };
    const keyJson = JSON.stringify(c.keyValues);
    const id = idKey(event.event_id);
    if (this.#session) return this.#applySession(keyJson, c.keyValues, t, id, event);
    const wins: Win[] = [];
    for (let s = c.firstStart; s <= t; s += this.#slide) wins.push(this.#window(keyJson, c.keyValues, s));
    if (wins.some((w) => w.seen.has(id))) return { kind: 'repeated' };
    for (const w of wins) {
      this.#measures.add(w.accs, event);
      w.seen.add(id);
      w.events++;
      w.dirty = true;
    }
    return { kind: 'applied' };
  }

  /** Whether the spec takes the event and whether it is late, given its partition's state after it. */
  #classify(
    key: string,
    maxEventTime: number,
    mark: number | null,
    event: DomainEvent,
  ): { readonly kind: 'ignored' } | { readonly kind: 'late'; readonly reason: string } | { readonly kind: 'takes'; readonly keyValues: string[]; readonly firstStart: number } {
    const keyValues: string[] = [];
    for (const d of this.spec.keyBy) {
      const v = dimensionValue(event, d);
      if (v === null) return { kind: 'ignored' };
      keyValues.push(v);
    }
    if (!this.#measures.takes(event)) return { kind: 'ignored' };
    // the partition's own share of the watermark decides (the spec watermark never exceeds it)
    const t = event.occurred_at;
    const byEvents = maxEventTime - this.#lateness;
    const closedUpTo = Math.max(byEvents, mark ?? Number.NEGATIVE_INFINITY);
    const which = closedUpTo === byEvents ? `partition ${key}` : `producer watermark mark of partition ${key}`;
    const of = keyValues.length === 0 ? '' : ` of key ${keyValues.join('|')}`;
    if (this.#session) {
      if (t < closedUpTo) {
        return { kind: 'late', reason: `${this.spec.name}: event time ${iso(t)}${of} is before the ${which} watermark ${iso(closedUpTo)} of session windows (allowed lateness ${this.#lateness} ms)` };
      }
      return { kind: 'takes', keyValues, firstStart: t };
    }
    const first = Math.floor((t - this.#size) / this.#slide) * this.#slide + this.#slide;
    const firstStart = first > t - this.#size ? first : first + this.#slide;
    if (firstStart + this.#size <= closedUpTo) {
      return {
        kind: 'late',
        reason: `${this.spec.name}: event time ${iso(t)} falls in the window [${iso(firstStart)}, ${iso(firstStart + this.#size)})${of} already closed by the ${which} watermark ${iso(closedUpTo)} (allowed lateness ${this.#lateness} ms)`,
      };
    }
    return { kind: 'takes', keyValues, firstStart };
  }

  #applySession(keyJson: string, keyValues: readonly string[], t: number, id: string, event: DomainEvent): ApplyOutcome {
    const list = this.#sessions.get(keyJson) ?? [];
    // the earliest-starting session is kept, so every retracted start lies after the merged one's
    const hit = list.filter((w) => w.start < t + this.#size && t < w.last + this.#size).sort((a, b) => a.start - b.start);
    if (hit.some((w) => w.seen.has(id))) return { kind: 'repeated' };
    let target = hit[0];
    if (!target) {
      target = { keyValues, start: t, last: t, events: 0, accs: this.#measures.empty(), seen: new Set(), dirty: true, emittedStart: null };
      list.push(target);
    }
    for (const other of hit.slice(1)) {
      this.#measures.merge(target.accs, other.accs);
      for (const x of other.seen) target.seen.add(x);
      target.events += other.events;
      target.start = Math.min(target.start, other.start);
      target.last = Math.max(target.last, other.last);
      if (other.emittedStart !== null) this.#retract(other, other.emittedStart, target.events + 1);
      list.splice(list.indexOf(other), 1);
    }
    this.#measures.add(target.accs, event);
    target.seen.add(id);
    target.events++;
    target.start = Math.min(target.start, t);
    target.last = Math.max(target.last, t);
    target.dirty = true;
    if (target.emittedStart !== null && target.emittedStart !== target.start) {
      this.#retract(target, target.emittedStart, target.events);
      target.emittedStart = null;
    }
    this.#sessions.set(keyJson, list);
    return { kind: 'applied' };
  }

  #retract(w: Win, start: number, events: number): void {
    this.#retracted.push({ spec: this.spec.name, keyValues: w.keyValues, windowStart: start, windowEnd: start, values: {}, events: 0, isFinal: true, retracted: true, version: 2 * events + 1 });
  }

  #window(keyJson: string, keyValues: readonly string[], start: number): Win {
    const k = `${keyJson}\u0000${start}`;
    let w = this.#windows.get(k);
    if (!w) {
      w = { keyValues, start, last: start + this.#size, events: 0, accs: this.#measures.empty(), seen: new Set(), dirty: false, emittedStart: null };
      this.#windows.set(k, w);
    }
    return w;
  }

  #end(w: Win): number {
    return this.#session ? w.last + this.#size : w.last;
  }

  #view(w: Win, isFinal: boolean): SpecWindowView {
    return {
      spec: this.spec.name,
      keyValues: w.keyValues,
      windowStart: w.start,
      windowEnd: this.#end(w),
      values: this.#measures.values(w.accs),
      events: w.events,
      isFinal,
      retracted: false,
      version: 2 * w.events + (isFinal ? 1 : 0),
    };
  }

  /** Advances the watermark, closes the windows it passed, and returns what changed since the last call. */
  drain(): SpecChanges {
    this.#advanceWatermark();
    const wm = this.#watermark;
    const running: SpecWindowView[] = [];
    const final: SpecWindowView[] = [];
    const visit = (w: Win): boolean => {
      if (wm !== null && this.#end(w) <= wm) {
        final.push(this.#view(w, true));
        return false;
      }
      if (w.dirty) {
        running.push(this.#view(w, false));
        w.dirty = false;
        w.emittedStart = w.start;
      }
      return true;
    };
    for (const [k, w] of this.#windows) if (!visit(w)) this.#windows.delete(k);
    for (const [k, list] of this.#sessions) {
      const kept = list.filter(visit);
      if (kept.length === 0) this.#sessions.delete(k);
      else this.#sessions.set(k, kept);
    }
    const retracted = this.#retracted.splice(0);
    return { running, final, retracted };
  }

  /** Every open window (e.g. for a flush or a test). */
  openWindows(): SpecWindowView[] {
    const out: SpecWindowView[] = [];
    for (const w of this.#windows.values()) out.push(this.#view(w, false));
    for (const list of this.#sessions.values()) for (const w of list) out.push(this.#view(w, false));
    return out;
  }

  snapshot(): SpecSnapshot {
    const partitions: Record<string, SpecPartitionSnapshot> = {};
    for (const [k, p] of this.#partitions) partitions[k] = { nextOffset: p.nextOffset === null ? null : p.nextOffset.toString(), maxEventTime: p.maxEventTime, mark: p.mark };
    const all = [...this.#windows.values(), ...[...this.#sessions.values()].flat()];
    const windows = all.map((w) => ({ key: w.keyValues, start: w.start, last: w.last, events: w.events, accs: this.#measures.snapshot(w.accs), seen: [...w.seen], emittedStart: w.emittedStart }));
    return { watermark: this.#watermark, partitions, windows };
  }

  #restore(s: SpecSnapshot): void {
    this.#watermark = s.watermark;
    for (const [k, p] of Object.entries(s.partitions)) this.#partitions.set(k, { nextOffset: p.nextOffset === null ? null : BigInt(p.nextOffset), maxEventTime: p.maxEventTime, mark: p.mark });
    for (const x of s.windows) {
      const keyJson = JSON.stringify(x.key);
      const w: Win = { keyValues: [...x.key], start: x.start, last: x.last, events: x.events, accs: this.#measures.restore(x.accs), seen: new Set(x.seen), dirty: false, emittedStart: x.emittedStart };
      if (this.#session) this.#sessions.set(keyJson, [...(this.#sessions.get(keyJson) ?? []), w]);
      else this.#windows.set(`${keyJson}\u0000${x.start}`, w);
    }
  }

  #advanceWatermark(): void {
    if (this.#partitions.size === 0) return;
    let min = Number.POSITIVE_INFINITY;
    for (const p of this.#partitions.values()) {
      const fromEvents = p.maxEventTime === null ? null : p.maxEventTime - this.#lateness;
      const c = fromEvents === null ? p.mark : p.mark === null ? fromEvents : Math.max(fromEvents, p.mark);
      if (c === null) return;
      min = Math.min(min, c);
    }
    if (this.#watermark === null || min > this.#watermark) this.#watermark = min;
  }
}
