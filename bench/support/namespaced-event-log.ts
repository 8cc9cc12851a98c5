/**
 * An EventLog seen through a name prefix: every topic and consumer group the jobs name is
 * `<prefix><name>` on the real log, and records come back under the names the jobs know. Lets the
 * unmodified jobs (CDC, aggregation) run on a shared Kafka with topics and groups of their own per
 * benchmark run, and lists what was created so the run can delete it afterwards.
 */
import type { HealthReport } from '../../connectors/contracts/connector.ts';
import type { ConsumedBatch, ConsumerHandle, ConsumerOptions, EventLog, LogRecord, PartitionOffsets, ProducerRecord, PublishedRecord } from '../../connectors/contracts/event-log.ts';
import type { TopicSpec } from '../../schema/events/topics.ts';

export class NamespacedEventLog implements EventLog {
  readonly capability = 'eventLog' as const;
  readonly #inner: EventLog;
  readonly #prefix: string;
  readonly #topics = new Set<string>();
  readonly #groups = new Set<string>();
  readonly #observers = new Set<(topic: string, records: readonly ProducerRecord[]) => void>();

  constructor(inner: EventLog, prefix: string) {
    this.#inner = inner;
    this.#prefix = prefix;
  }

  get kind(): string {
    return this.#inner.kind;
  }

  get features(): ReadonlySet<string> {
    return this.#inner.features;
  }

  /** Real names of the topics and groups used through this view. */
  created(): { topics: string[]; groups: string[] } {
    return { topics: [...this.#topics], groups: [...this.#groups] };
  }

  #t(name: string): string {
    return this.#prefix + name;
  }

  #g(groupId: string): string {
    const real = this.#prefix + groupId;
    this.#groups.add(real);
    return real;
  }

  #strip(real: string): string {
    return real.startsWith(this.#prefix) ? real.slice(this.#prefix.length) : real;
  }

  #back(r: LogRecord): LogRecord {
    return { ...r, topic: this.#strip(r.topic) };
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  health(): Promise<HealthReport> {
    return this.#inner.health();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const real = topics.map((t) => ({ ...t, name: this.#t(t.name) }));
    for (const t of real) this.#topics.add(t.name);
    return this.#inner.ensureTopics(real);
  }

  /** Calls `fn` (topic as the jobs name it) each time a publish through this view has been acknowledged. */
  observePublished(fn: (topic: string, records: readonly ProducerRecord[]) => void): () => void {
    this.#observers.add(fn);
    return () => this.#observers.delete(fn);
  }

  async publish(topic: string, records: readonly ProducerRecord[]): Promise<PublishedRecord[]> {
    const out = await this.#inner.publish(this.#t(topic), records);
    for (const fn of this.#observers) fn(topic, records);
    return out;
  }

  async consume(options: ConsumerOptions): Promise<ConsumerHandle> {
    const handle = await this.#inner.consume({
      ...options,
      groupId: this.#g(options.groupId),
      topics: options.topics.map((t) => this.#t(t)),
      handler: (batch: ConsumedBatch) => options.handler({ topic: this.#strip(batch.topic), partition: batch.partition, records: batch.records.map((r) => this.#back(r)) }),
    });
    return { groupId: options.groupId, stop: () => handle.stop() };
  }

  partitionFor(topic: string, key: string): Promise<number> {
    return this.#inner.partitionFor(this.#t(topic), key);
  }

  async read(topic: string, partition: number, fromOffset: string, max: number): Promise<LogRecord[]> {
    return (await this.#inner.read(this.#t(topic), partition, fromOffset, max)).map((r) => this.#back(r));
  }

  endOffsets(topic: string): Promise<PartitionOffsets> {
    return this.#inner.endOffsets(this.#t(topic));
  }

  committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
    return this.#inner.committedOffsets(this.#g(groupId), this.#t(topic));
  }

  setOffsets(groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
    return this.#inner.setOffsets(this.#g(groupId), this.#t(topic), offsets);
  }
}
