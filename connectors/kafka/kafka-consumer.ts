/**
 * One consumer-group member on kafkajs: `eachBatch` with `eachBatchAutoResolve: false` and
 * `autoCommit: false`. Each fetched batch is handed to the handler in chunks of <= maxBatchSize
 * records of its partition; after a chunk resolves its last offset is resolved and committed
 * (offset after it) before the next chunk. A rejecting handler commits nothing: the error is thrown
 * out of eachBatch, kafkajs drops the rest of the fetch and fetches again from the last resolved
 * offset after its retry backoff (initialRetryTime, doubling up to maxRetryTime); after `retries`
 * failures it restarts the consumer (rejoin) and reads from the last committed offset. Either way the
 * same records come again: at-least-once.
 *
 * The handler's error is wrapped so kafkajs always treats it as retriable (it gives up for good on a
 * TypeError or RangeError otherwise), and a crash kafkajs will not restart from is restarted here.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConsumerHandle, ConsumerOptions, ProducerRecord } from '../contracts/event-log.ts';
import type { KafkaEventLogConfig } from './kafka-config.ts';
import { addOffset, decodeMessage, undecodableDeadLetter } from './kafka-records.ts';
import type { KafkaValueCodec } from './kafka-value-codec.ts';

/** A handler rejection, as kafkajs must see it: retriable whatever the original error was. */
class HandlerRejectedError extends Error {
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`event handler rejected: ${errorMessage(cause)}`, { cause });
    this.name = 'HandlerRejectedError';
  }
}

export interface ConsumerDeps {
  readonly kafka: Kafka;
  readonly config: KafkaEventLogConfig;
  readonly log: Logger;
  readonly consumed: Counter<'topic' | 'group'>;
  readonly lag: Gauge<'topic' | 'group'>;
  readonly partitionLag: Gauge<'topic' | 'group' | 'partition'>;
  /** Group-wide lag of one topic, per partition, from the brokers' offsets. */
  readonly lagOf: (groupId: string, topic: string) => Promise<ReadonlyMap<number, number>>;
  readonly onStopped: (handle: KafkaConsumerHandle) => void;
  /** Value format of the log (json, or Confluent wire-format Avro on the domain topics). */
  readonly codec: KafkaValueCodec;
  /** Publishes dead letters (durable when it resolves). */
  readonly deadLetter: (records: readonly ProducerRecord[]) => Promise<void>;
  /** The jobs' counters (group id = job name): records dead-lettered by reason, records processed. */
  readonly deadLettered: Counter<'job' | 'code'>;
  readonly jobIn: Counter<'job'>;
}

const LAG_MIN_INTERVAL_MS = 1_000;

export class KafkaConsumerHandle implements ConsumerHandle {
  readonly groupId: string;
  readonly #o: ConsumerOptions;
  readonly #deps: ConsumerDeps;
  readonly #log: Logger;
  readonly #maxBatch: number;
  #consumer: Consumer | null = null;
  #stopping: Promise<void> | null = null;
  #lagTimer: NodeJS.Timeout | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #lastLag = 0;
  #restarts = 0;

  constructor(options: ConsumerOptions, deps: ConsumerDeps) {
    this.groupId = options.groupId;
    this.#o = options;
    this.#deps = deps;
    this.#log = deps.log.child({ group: options.groupId });
    this.#maxBatch = Math.max(1, options.maxBatchSize ?? 500);
  }

  /** Joins the group; resolves once this member has its assignment. */
  async start(): Promise<void> {
    await this.#launch();
    this.#lagTimer = setInterval(() => void this.#refreshLag(true), this.#deps.config.lagRefreshMs);
    this.#lagTimer.unref();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#lagTimer) clearInterval(this.#lagTimer);
      if (this.#restartTimer) clearTimeout(this.#restartTimer);
      try {
        await this.#consumer?.disconnect();
      } catch (e) {
        this.#log.warn({ err: errorMessage(e) }, 'consumer disconnect failed');
      }
      this.#deps.onStopped(this);
    })();
    return this.#stopping;
  }

  async #launch(): Promise<void> {
    const { kafka, config } = this.#deps;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      retry: { ...config.retry, restartOnFailure: async () => true },
    });
    this.#consumer = consumer;
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      joined = true;
      this.#log.debug({ assignment: e.payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.#log.error({ err: errorMessage(e.payload.error), restart: e.payload.restart }, 'consumer crashed');
      if (!e.payload.restart && !this.#stopping && joined) this.#scheduleRestart();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.#o.topics], fromBeginning: this.#o.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (p) => this.#eachBatch(p),
      });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `consumer group ${this.groupId} could not start: ${errorMessage(e)}`, { groupId: this.groupId }, { cause: e });
    }
    // run() resolves after the first join, or after a crash during it (then kafkajs retries on its own).
    if (!joined) {
      await consumer.disconnect().catch(() => undefined);
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `consumer group ${this.groupId} could not join`, { groupId: this.groupId });
    }
  }

  /** A crash kafkajs will not restart from: start a fresh member after a backoff. */
  #scheduleRestart(): void {
    const { retry } = this.#deps.config;
    const delay = Math.min(retry.maxRetryTime, retry.initialRetryTime * 2 ** Math.min(this.#restarts++, 16));
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      const old = this.#consumer;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (this.#stopping) return;
        await this.#launch();
        this.#log.info('consumer restarted');
      })().catch((e: unknown) => {
        this.#log.error({ err: errorMessage(e) }, 'consumer restart failed');
        if (!this.#stopping) this.#scheduleRestart();
      });
    }, delay);
  }

  /**
   * Per chunk: decode every value (a registry outage throws: the chunk is retried like a failing
   * handler); the decoded records go to the handler, the undecodable ones (unknown schema id, not
   * wire format, a body that does not decode) to the dead-letter topic with their coded reason,
   * before the chunk's offsets are committed.
   */
  async #eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    const { codec } = this.#deps;
    for (let i = 0; i < batch.messages.length; i += this.#maxBatch) {
      if (!p.isRunning() || p.isStale()) return;
      const raw = batch.messages.slice(i, i + this.#maxBatch);
      const last = raw[raw.length - 1];
      if (!last) return;
      let failed;
      try {
        const decoded = await Promise.all(raw.map((m) => decodeMessage(codec, topic, partition, m)));
        const good = decoded.filter((d) => !d.failure).map((d) => d.record);
        failed = decoded.filter((d) => d.failure);
        if (good.length > 0) await this.#o.handler({ topic, partition, records: good });
        if (failed.length > 0) await this.#deps.deadLetter(failed.map((d) => undecodableDeadLetter(d, `decode:${this.groupId}`)));
      } catch (e) {
        throw new HandlerRejectedError(e);
      }
      p.resolveOffset(last.offset);
      await p.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: addOffset(last.offset, 1) }] }] });
      this.#restarts = 0;
      this.#deps.consumed.inc({ topic, group: this.groupId }, raw.length);
      for (const d of failed) {
        this.#deps.deadLettered.inc({ job: this.groupId, code: d.failure?.code ?? 'EVENT_UNDECODABLE' });
        this.#deps.jobIn.inc({ job: this.groupId });
        this.#log.warn({ topic, partition, offset: d.record.offset, code: d.failure?.code, reason: d.failure?.reason }, 'undecodable record dead-lettered');
      }
      void this.#refreshLag(false);
      if (p.isRunning()) await p.heartbeat();
    }
  }

  /** Sets the lag gauge of every subscribed topic from the brokers' offsets (throttled unless `force`). */
  async #refreshLag(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.#lastLag < LAG_MIN_INTERVAL_MS) return;
    this.#lastLag = now;
    for (const topic of this.#o.topics) {
      try {
        let total = 0;
        for (const [partition, lag] of await this.#deps.lagOf(this.groupId, topic)) {
          total += lag;
          this.#deps.partitionLag.set({ topic, group: this.groupId, partition: String(partition) }, lag);
        }
        this.#deps.lag.set({ topic, group: this.groupId }, total);
      } catch (e) {
        this.#log.debug({ topic, err: errorMessage(e) }, 'lag refresh failed');
      }
    }
  }
}
