/**
 * The pure core of the stream aggregation: tumbling event-time windows per (size, region), platform
 * totals, watermarks and lateness. No I/O: events in, window changes out, state as a JSON snapshot.
 *
 * Watermarks. Every partition (`topic:partition`) keeps the max event time it has delivered; its
 * watermark is that minus the allowed lateness, raised to its producer's last watermark mark
 * (schema/events/control-records.ts: the producer promised no later event there is older) when the
 * mark is ahead: a quiet partition does not hold the job back. The job watermark is the minimum over
 * the partitions known to hold data (a known partition not yet seen holds it at -infinity), never
 * moving back. A window [start, end) is FINAL once the job watermark >= end.
 *
 * Lateness. An event is LATE when one of its windows (one per size) has end <= its own partition's
 * share of the job watermark (max of its event watermark and its producer mark). It is then counted
 * nowhere (so a 60-minute window is always the sum of its 5-minute windows) and goes back to the
 * caller for the dead-letter topic. Because the job watermark never exceeds a partition's share, no
 * accepted event falls into a final window, and lateness depends only on the record order within the
 * partition, never on how partitions interleave, batch or restart.
 * Hence replays after a crash reproduce exactly the same counts.
 *
 * Exactly-once per record: each partition remembers the next offset to apply; records below it
 * (re-delivered after a restart) are skipped as duplicates. Exactly-once per EVENT: the same event
 * published twice (same event_id at another offset) is counted once: every open window of the
 * smallest size keeps the (hashed) ids of the events it counted, and a repeat is `repeated`. A repeat
 * that arrives after that window closed is late like any event of a closed window. The snapshot
 * holds the offsets, the watermarks, the open windows' counters and those ids together, so
 * restoring it resumes exactly.
 */
import { createHash } from 'node:crypto';
import type { DomainEvent } from '../../schema/events/domain-events.ts';
import { addCounters, contributionOf, emptyCounters, type WindowCounters } from './window-counters.ts';

export { contributionOf, type WindowCounters } from './window-counters.ts';

export interface WindowView {
  /** null for the platform total. */
  readonly regionId: string | null;
  readonly windowMinutes: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly counters: Readonly<WindowCounters>;
  readonly isFinal: boolean;
  /** 2 x events counted (+1 when final): grows with every change, equal for equal content. */
  readonly version: number;
}

export type ApplyOutcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'duplicate' }
  /** The same event (event_id) was already counted from another record: counted once. */
  | { readonly kind: 'repeated' }
  | { readonly kind: 'late'; readonly reason: string };

export interface WindowChanges {
  /** Open windows whose counters changed (region views, then the platform views of their groups). */
  readonly running: readonly WindowView[];
  /** Windows that became final (region views and their platform totals). */
  readonly final: readonly WindowView[];
}

export interface PartitionSnapshot {
  readonly nextOffset: string | null;
  readonly maxEventTime: number | null;
  /** The producer's last watermark mark (absent in checkpoints written before marks). */
  readonly producerWatermark?: number | null;
}

export interface WindowSnapshot {
  readonly regionId: string;
  readonly windowMinutes: number;
  readonly windowStart: number;
  readonly counters: WindowCounters;
}

/** Hashed ids of the events counted in one open window of the smallest size. */
export interface SeenSnapshot {
  readonly windowMinutes: number;
  readonly windowStart: number;
  readonly ids: readonly string[];
}

export interface WindowStateSnapshot {
  readonly format: 1;
  readonly watermark: number | null;
  readonly partitions: Readonly<Record<string, PartitionSnapshot>>;
  readonly windows: readonly WindowSnapshot[];
  /** Absent in checkpoints written before event-id dedup. */
  readonly seen?: readonly SeenSnapshot[];
}

export interface WindowStateConfig {
  readonly windowMinutes: readonly number[];
  readonly allowedLatenessMs: number;
}

interface PartitionState {
  nextOffset: bigint | null;
  maxEventTime: number | null;
  producerWatermark: number | null;
}

/** All regions' windows of one size and start (the platform window is their sum). */
interface Group {
  readonly minutes: number;
  readonly start: number;
  readonly end: number;
  readonly regions: Map<string, WindowCounters>;
  readonly dirty: Set<string>;
  /** Hashed event ids counted in this window (kept for the smallest size only). */
  readonly seen: Set<string>;
}

/** 60 bits of sha-256 of an event id: compact in the checkpoint, collisions negligible per window. */
const idKey = (eventId: string): string => createHash('sha256').update(eventId).digest('base64url').slice(0, 10);

const MINUTE = 60_000;

const eventsIn = (c: Readonly<WindowCounters>): number => c.tripCount + c.completedCount + c.cancelledCount + c.priceCount;
const iso = (ms: number): string => new Date(ms).toISOString();

export class WindowState {
  readonly #minutes: readonly number[];
  readonly #smallest: number;
  readonly #lateness: number;
  readonly #partitions = new Map<string, PartitionState>();
  readonly #groups = new Map<string, Group>();
  #watermark: number | null = null;

  constructor(config: WindowStateConfig, snapshot?: WindowStateSnapshot) {
    this.#minutes = [...config.windowMinutes];
    this.#smallest = Math.min(...this.#minutes);
    this.#lateness = config.allowedLatenessMs;
    if (snapshot) this.#restore(snapshot);
  }

  /** The job watermark (epoch ms), null before every known partition has delivered an event. */
  watermark(): number | null {
    return this.#watermark;
  }

  /** Partitions known to hold data: each holds the watermark back until it delivers an event. */
  registerPartitions(keys: Iterable<string>): void {
    for (const k of keys) if (!this.#partitions.has(k)) this.#partitions.set(k, { nextOffset: null, maxEventTime: null, producerWatermark: null });
  }

  /** Known partitions that have delivered neither an event nor a watermark mark yet (they hold the watermark). */
  unseenPartitions(): string[] {
    return [...this.#partitions].filter(([, p]) => p.maxEventTime === null && p.producerWatermark === null).map(([k]) => k);
  }

  /** Stops waiting for a partition that never delivered an event or a mark (kept if it has). */
  forgetUnseenPartition(key: string): void {
    const p = this.#partitions.get(key);
    if (p && p.maxEventTime === null && p.producerWatermark === null) this.#partitions.delete(key);
  }

  /**
   * A producer watermark mark of partition `key` (its promise: no later event there is older than
   * `watermarkMs`). Raises the partition's share of the job watermark; never changes lateness.
   * Returns whether it moved anything (marks only grow).
   */
  producerWatermark(key: string, watermarkMs: number): boolean {
    let p = this.#partitions.get(key);
    if (!p) {
      p = { nextOffset: null, maxEventTime: null, producerWatermark: null };
      this.#partitions.set(key, p);
    }
    if (p.producerWatermark !== null && watermarkMs <= p.producerWatermark) return false;
    p.producerWatermark = watermarkMs;
    return true;
  }

  /** The next offset to apply per partition key (null: nothing applied yet). */
  nextOffset(key: string): string | null {
    const n = this.#partitions.get(key)?.nextOffset;
    return n === null || n === undefined ? null : n.toString();
  }

  openWindowCount(): number {
    let n = 0;
    for (const g of this.#groups.values()) n += g.regions.size;
    return n;
  }

  /** Applies one record of partition `key` at `offset` (records of a partition in offset order). */
  apply(key: string, offset: string, event: DomainEvent): ApplyOutcome {
    let p = this.#partitions.get(key);
    if (!p) {
      p = { nextOffset: null, maxEventTime: null, producerWatermark: null };
      this.#partitions.set(key, p);
    }
    const off = BigInt(offset);
    if (p.nextOffset !== null && off < p.nextOffset) return { kind: 'duplicate' };
    p.nextOffset = off + 1n;
    const t = event.occurred_at;
    p.maxEventTime = p.maxEventTime === null ? t : Math.max(p.maxEventTime, t);
    const contribution = contributionOf(event);
    if (!contribution) return { kind: 'ignored' };

    // The partition's own share of the job watermark decides (the job watermark never exceeds it), so
    // lateness depends on the partition's record order alone. A producer that keeps its watermark
    // promise never sends an event below its mark, so then only the valid events decide.
    const partitionWm = p.maxEventTime - this.#lateness;
    const closedUpTo = Math.max(partitionWm, p.producerWatermark ?? Number.NEGATIVE_INFINITY);
    for (const m of this.#minutes) {
      const start = Math.floor(t / (m * MINUTE)) * m * MINUTE;
      const end = start + m * MINUTE;
      if (end <= closedUpTo) {
        const which = end <= partitionWm ? `partition ${key}` : `producer watermark mark of partition ${key}`;
        return {
          kind: 'late',
          reason:
            `event time ${iso(t)} falls in the ${m}-minute window [${iso(start)}, ${iso(end)}) of region ${contribution.regionId}, ` +
            `already closed by the ${which} watermark ${iso(closedUpTo)} (allowed lateness ${this.#lateness} ms)`,
        };
      }
    }
    const small = this.#group(this.#smallest, Math.floor(t / (this.#smallest * MINUTE)) * this.#smallest * MINUTE);
    const id = idKey(event.event_id);
    if (small.seen.has(id)) return { kind: 'repeated' };
    small.seen.add(id);
    for (const m of this.#minutes) {
      const start = Math.floor(t / (m * MINUTE)) * m * MINUTE;
      const g = this.#group(m, start);
      let c = g.regions.get(contribution.regionId);
      if (!c) {
        c = emptyCounters();
        g.regions.set(contribution.regionId, c);
      }
      contribution.apply(c);
      g.dirty.add(contribution.regionId);
    }
    return { kind: 'applied' };
  }

  /** Advances the job watermark, closes the windows it passed, and returns what changed since the last call. */
  drain(): WindowChanges {
    this.#advanceWatermark();
    const wm = this.#watermark;
    const running: WindowView[] = [];
    const runningTotals: WindowView[] = [];
    const final: WindowView[] = [];
    for (const [gk, g] of this.#groups) {
      if (wm !== null && g.end <= wm) {
        for (const [region, c] of g.regions) final.push(view(region, g, c, true));
        final.push(view(null, g, this.#total(g), true));
        this.#groups.delete(gk);
      } else if (g.dirty.size > 0) {
        for (const region of g.dirty) {
          const c = g.regions.get(region);
          if (c) running.push(view(region, g, c, false));
        }
        runningTotals.push(view(null, g, this.#total(g), false));
        g.dirty.clear();
      }
    }
    return { running: [...running, ...runningTotals], final };
  }

  /** Every open window (region and platform views), e.g. for a flush. */
  openWindows(): WindowView[] {
    const out: WindowView[] = [];
    for (const g of this.#groups.values()) {
      for (const [region, c] of g.regions) out.push(view(region, g, c, false));
      out.push(view(null, g, this.#total(g), false));
    }
    return out;
  }

  snapshot(): WindowStateSnapshot {
    const partitions: Record<string, PartitionSnapshot> = {};
    for (const [k, p] of this.#partitions) {
      partitions[k] = { nextOffset: p.nextOffset === null ? null : p.nextOffset.toString(), maxEventTime: p.maxEventTime, producerWatermark: p.producerWatermark };
    }
    const windows: WindowSnapshot[] = [];
    const seen: SeenSnapshot[] = [];
    for (const g of this.#groups.values()) {
      for (const [regionId, c] of g.regions) windows.push({ regionId, windowMinutes: g.minutes, windowStart: g.start, counters: { ...c } });
      if (g.seen.size > 0) seen.push({ windowMinutes: g.minutes, windowStart: g.start, ids: [...g.seen] });
    }
    return { format: 1, watermark: this.#watermark, partitions, windows, seen };
  }

  #restore(s: WindowStateSnapshot): void {
    this.#watermark = s.watermark;
    for (const [k, p] of Object.entries(s.partitions)) {
      this.#partitions.set(k, { nextOffset: p.nextOffset === null ? null : BigInt(p.nextOffset), maxEventTime: p.maxEventTime, producerWatermark: p.producerWatermark ?? null });
    }
    for (const w of s.windows) this.#group(w.windowMinutes, w.windowStart).regions.set(w.regionId, { ...w.counters });
    for (const x of s.seen ?? []) {
      const g = this.#groups.get(`${x.windowMinutes}|${x.windowStart}`);
      if (g) for (const id of x.ids) g.seen.add(id);
    }
  }

  #group(minutes: number, start: number): Group {
    const key = `${minutes}|${start}`;
    let g = this.#groups.get(key);
    if (!g) {
      g = { minutes, start, end: start + minutes * MINUTE, regions: new Map(), dirty: new Set(), seen: new Set() };
      this.#groups.set(key, g);
    }
    return g;
  }

  #total(g: Group): WindowCounters {
    const total = emptyCounters();
    for (const c of g.regions.values()) addCounters(total, c);
    return total;
  }

  #advanceWatermark(): void {
    if (this.#partitions.size === 0) return;
    let candidate = Number.POSITIVE_INFINITY;
    for (const p of this.#partitions.values()) {
      const byEvents = p.maxEventTime === null ? Number.NEGATIVE_INFINITY : p.maxEventTime - this.#lateness;
      const share = Math.max(byEvents, p.producerWatermark ?? Number.NEGATIVE_INFINITY);
      if (share === Number.NEGATIVE_INFINITY) return;
      candidate = Math.min(candidate, share);
    }
    if (this.#watermark === null || candidate > this.#watermark) this.#watermark = candidate;
  }
}

function view(regionId: string | null, g: Group, c: WindowCounters, isFinal: boolean): WindowView {
  return {
    regionId,
    windowMinutes: g.minutes,
    windowStart: g.start,
    windowEnd: g.end,
    counters: { ...c },
    isFinal,
    version: 2 * eventsIn(c) + (isFinal ? 1 : 0),
  };
}
