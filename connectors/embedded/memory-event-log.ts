/**
 * In-process EventLog: topics with partitions chosen as Kafka's default partitioner does, consumer
 * groups with several members, offsets committed after the handler resolves. With `dir` set it
 * appends records to files and keeps committed offsets on disk, so a restart resumes exactly.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { TopicSpec } from '../../schema/events/topics.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { ConsumerHandle, ConsumerOptions, EventLog, LogRecord, PartitionOffsets, ProducerRecord, PublishedRecord } from '../contracts/event-log.ts';
import { counter, gaugeOf } from '../support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { EventLogFiles, recordLine, type OffsetsSnapshot } from './event-log-files.ts';
import { ConsumerGroup, Member, type GroupHost } from './event-log-groups.ts';
import { Partition } from './event-log-partition.ts';
import { partitionForKey } from './murmur2.ts';

export const memoryEventLogConfigSchema = z.object({
  /** Directory for durable topics and offsets; absent: memory only. */
  dir: z.string().min(1).optional(),
  /** fsync every append and offsets write (survives power loss, not just a process crash). */
  fsync: z.boolean().default(false),
  /** Records kept per partition; older ones are dropped (the embedded stand-in for retention). */
  maxRecordsPerPartition: z.number().int().min(100).default(50_000),
}).strict();

export type MemoryEventLogConfig = z.output<typeof memoryEventLogConfigSchema>;

interface Topic {
  readonly spec: TopicSpec;
  readonly partitions: readonly Partition[];
}

export class MemoryEventLog implements EventLog, GroupHost {
  readonly capability = 'eventLog' as const;
  readonly kind = 'memory';
  readonly features: ReadonlySet<string>;
  readonly logger: Logger;

  readonly #config: MemoryEventLogConfig;
  readonly #files: EventLogFiles | null;
  readonly #topics = new Map<string, Topic>();
  readonly #groups = new Map<string, ConsumerGroup>();
  readonly #metrics;
  #memberSeq = 0;
  #starting: Promise<void> | null = null;
  #started = false;
  #closing: Promise<void> | null = null;

  constructor(config: MemoryEventLogConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.logger = ctx.logger.child({ impl: 'eventLog/memory' });
    this.#files = config.dir ? new EventLogFiles(config.dir, config.fsync) : null;
    this.features = new Set(config.dir ? ['durable'] : []);
    this.#metrics = {
      published: counter(ctx.metrics, 'gofuture_eventlog_records_published_total', 'Records appended to the event log', ['topic']),
      consumed: counter(ctx.metrics, 'gofuture_eventlog_records_consumed_total', 'Records a consumer group handled and committed', ['topic', 'group']),
      lag: gaugeOf(ctx.metrics, METRICS.consumerLag),
      partitionLag: gaugeOf(ctx.metrics, METRICS.partitionLag),
    };
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'eventLog/memory is closed'));
    this.#starting ??= this.#load().then(
      () => void (this.#started = true),
      (e: unknown) => {
        this.#starting = null;
        throw new PlatformError('CONNECTOR_UNAVAILABLE', `eventLog/memory cannot load ${this.#config.dir}: ${String(e)}`, {}, { cause: e });
      },
    );
    return this.#starting;
  }

  async #load(): Promise<void> {
    const files = this.#files;
    if (!files) return;
    await files.open();
    for (const spec of Object.values(await files.loadTopics())) {
      const parts = await Promise.all(Array.from({ length: spec.partitions }, async (_, p) =>
        new Partition(spec.name, p, this.#config.maxRecordsPerPartition, await files.loadPartition(spec.name, p, this.#config.maxRecordsPerPartition))));
      this.#topics.set(spec.name, { spec, partitions: parts });
    }
    for (const [groupId, topics] of Object.entries(await files.loadOffsets())) {
      const g = this.#group(groupId);
      for (const [topic, parts] of Object.entries(topics)) {
        for (const [p, next] of Object.entries(parts)) g.setCommitted(topic, Number(p), next);
      }
    }
    this.logger.info({ dir: this.#config.dir, topics: this.#topics.size, groups: this.#groups.size }, 'event log loaded');
  }

  async health(): Promise<HealthReport> {
    if (this.#closing) return { ok: false, detail: 'closed' };
    if (!this.#started) return { ok: false, detail: 'not started' };
    const failed = [...this.#topics.values()].flatMap((t) => t.partitions).find((p) => p.failure);
    if (failed?.failure) return { ok: false, detail: failed.failure.message };
    return { ok: true, detail: `${this.#topics.size} topics${this.#config.dir ? ` in ${this.#config.dir}` : ' in memory'}` };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      const members: Member[] = [];
      for (const g of this.#groups.values()) {
        for (const m of g.members.splice(0)) {
          m.stopped = true;
          members.push(m);
        }
        g.rebalance(this); // no live member: every worker is revoked
      }
      await Promise.all(members.flatMap((m) => [...m.workers].map((w) => w.done)));
      await Promise.all([...this.#topics.values()].flatMap((t) => t.partitions.map((p) => p.writes.drain())));
      await this.#files?.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.#check();
    let added = false;
    for (const spec of topics) {
      if (this.#topics.has(spec.name)) continue;
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new PlatformError('CONFIG_INVALID', `topic ${spec.name}: partitions must be a positive integer`, { topic: spec.name });
      }
      const parts = Array.from({ length: spec.partitions }, (_, p) => new Partition(spec.name, p, this.#config.maxRecordsPerPartition));
      this.#topics.set(spec.name, { spec, partitions: parts });
      added = true;
    }
    if (added && this.#files) await this.#files.saveTopics(Object.fromEntries([...this.#topics].map(([n, t]) => [n, t.spec])));
  }

  async publish(topic: string, records: readonly ProducerRecord[]): Promise<PublishedRecord[]> {
    this.#check();
    const t = this.#topic(topic);
    const now = Date.now();
    const byPartition = new Map<number, { index: number; record: LogRecord }[]>();
    records.forEach((r, index) => {
      const partition = partitionForKey(r.key, t.partitions.length);
      let batch = byPartition.get(partition);
      if (!batch) byPartition.set(partition, (batch = []));
      batch.push({ index, record: { topic, partition, offset: '', key: r.key, value: r.value, headers: Object.freeze({ ...r.headers }), timestamp: r.timestamp ?? now } });
    });
    const out: PublishedRecord[] = new Array<PublishedRecord>(records.length);
    const pending: Promise<void>[] = [];
    for (const [p, batch] of byPartition) {
      const part = t.partitions[p]!;
      const number = (): LogRecord[] => {
        const first = part.end;
        return batch.map(({ index, record }, i) => {
          out[index] = { partition: p, offset: String(first + i) };
          return Object.freeze({ ...record, offset: String(first + i) });
        });
      };
      const files = this.#files;
      if (!files) {
        part.append(number());
        continue;
      }
      // one append at a time per partition: offsets follow the file, records become visible once written
      pending.push(part.writes.run(async () => {
        if (part.failure) throw part.failure;
        const numbered = number();
        try {
          await files.append(topic, p, numbered.map(recordLine).join(''));
        } catch (e) {
          part.failure = new PlatformError('CONNECTOR_UNAVAILABLE', `eventLog/memory cannot append to ${topic}/${p}: ${errorMessage(e)}`, { topic, partition: p }, { cause: e });
          throw part.failure;
        }
        part.append(numbered);
      }));
    }
    await Promise.all(pending);
    this.#metrics.published.inc({ topic }, records.length);
    this.#updateLag(topic);
    return out;
  }

  async consume(options: ConsumerOptions): Promise<ConsumerHandle> {
    this.#check();
    if (options.topics.length === 0) throw new PlatformError('CONFIG_INVALID', 'consume: no topics', { group: options.groupId });
    for (const t of options.topics) this.#topic(t);
    const g = this.#group(options.groupId);
    const member = new Member(`${options.groupId}-${++this.#memberSeq}`, options);
    g.members.push(member);
    g.rebalance(this);
    this.logger.debug({ group: g.id, member: member.id, topics: options.topics }, 'consumer joined');
    let stopping: Promise<void> | null = null;
    return {
      groupId: options.groupId,
      stop: () => (stopping ??= this.#leave(member)),
    };
  }

  async read(topic: string, partition: number, fromOffset: string, max: number): Promise<LogRecord[]> {
    this.#check();
    const part = this.#partition(topic, partition);
    const from = parseOffset(fromOffset);
    return part.slice(from, Math.max(0, max));
  }

  async partitionFor(topic: string, key: string): Promise<number> {
    this.#check();
    return partitionForKey(key, this.#topic(topic).partitions.length);
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    this.#check();
    return Object.fromEntries(this.#topic(topic).partitions.map((p) => [p.index, String(p.end)]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    this.#check();
    this.#topic(topic);
    const m = this.#groups.get(groupId)?.committed.get(topic);
    return m ? Object.fromEntries([...m].map(([p, o]) => [p, String(o)])) : {};
  }

  async setOffsets(groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
    this.#check();
    const g = this.#group(groupId);
    if (g.members.some((m) => !m.stopped)) {
      throw new PlatformError('EVENT_LOG_GROUP_ACTIVE', `setOffsets: group ${groupId} has running members; stop them first`, { group: groupId });
    }
    const parsed = Object.entries(offsets).map(([p, o]) => {
      const part = this.#partition(topic, Number(p));
      const next = parseOffset(o);
      if (next > part.end) throw new PlatformError('BAD_USER_INPUT', `setOffsets: offset ${o} is past the end (${part.end}) of ${topic}/${p}`, { topic, partition: Number(p) });
      return [part.index, next] as const;
    });
    for (const [p, next] of parsed) g.setCommitted(topic, p, next);
    await this.#files?.saveOffsets(() => this.#offsetsSnapshot());
    this.#updateLag(topic);
  }

  // GroupHost
  partitions(topic: string): readonly Partition[] {
    return this.#topics.get(topic)?.partitions ?? [];
  }

  async commit(group: ConsumerGroup, topic: string, partition: number, next: number, consumed: number): Promise<void> {
    group.setCommitted(topic, partition, next);
    await this.#files?.saveOffsets(() => this.#offsetsSnapshot());
    this.#metrics.consumed.inc({ topic, group: group.id }, consumed);
    this.#updateLag(topic, group);
  }

  async #leave(member: Member): Promise<void> {
    const g = this.#groups.get(member.options.groupId);
    if (!g || member.stopped) {
      await Promise.all([...member.workers].map((w) => w.done));
      return;
    }
    member.stopped = true;
    g.members.splice(g.members.indexOf(member), 1);
    g.rebalance(this);
    await Promise.all([...member.workers].map((w) => w.done));
    this.logger.debug({ group: g.id, member: member.id }, 'consumer left');
  }

  #offsetsSnapshot(): OffsetsSnapshot {
    const out: OffsetsSnapshot = {};
    for (const [id, g] of this.#groups) {
      if (g.committed.size === 0) continue;
      out[id] = Object.fromEntries([...g.committed].map(([t, m]) => [t, Object.fromEntries(m)]));
    }
    return out;
  }

  #updateLag(topic: string, only?: ConsumerGroup): void {
    const parts = this.partitions(topic);
    for (const g of only ? [only] : this.#groups.values()) {
      const committed = g.committed.get(topic);
      if (!committed && !g.members.some((m) => m.options.topics.includes(topic))) continue;
      let lag = 0;
      for (const p of parts) {
        const l = Math.max(0, p.end - (committed?.get(p.index) ?? 0));
        lag += l;
        this.#metrics.partitionLag.set({ topic, group: g.id, partition: String(p.index) }, l);
      }
      this.#metrics.lag.set({ topic, group: g.id }, lag);
    }
  }

  #group(id: string): ConsumerGroup {
    let g = this.#groups.get(id);
    if (!g) this.#groups.set(id, (g = new ConsumerGroup(id)));
    return g;
  }

  #topic(name: string): Topic {
    const t = this.#topics.get(name);
    if (!t) throw new PlatformError('TOPIC_UNKNOWN', `unknown topic "${name}"`, { topic: name });
    return t;
  }

  #partition(topic: string, partition: number): Partition {
    const p = this.#topic(topic).partitions[partition];
    if (!p) throw new PlatformError('TOPIC_UNKNOWN', `topic "${topic}" has no partition ${partition}`, { topic, partition });
    return p;
  }

  #check(): void {
    if (!this.#started || this.#closing) {
      throw new PlatformError('CONNECTOR_NOT_STARTED', `eventLog/memory is ${this.#closing ? 'closed' : 'not started'}`);
    }
  }
}

function parseOffset(o: string): number {
  if (!/^\d+$/.test(o)) throw new PlatformError('BAD_USER_INPUT', `offset "${o}" is not a decimal string`, { offset: o });
  return Number(o);
}

export function createMemoryEventLog(config: z.input<typeof memoryEventLogConfigSchema>, ctx: ConnectorContext): MemoryEventLog {
  return new MemoryEventLog(validateConfig(memoryEventLogConfigSchema, config, 'connectors.eventLog'), ctx);
}
