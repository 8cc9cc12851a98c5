/**
 * Coalesces calls into batches across requests (dynamic batching, as Triton's max_queue_delay):
 * the first submit() into an empty queue opens a window of `windowMs`; every submit arriving
 * within it (from any request) joins the batch, which flushes when the window closes or as soon
 * as the queue holds `maxItems` items (flush on size). While a batch runs new submits queue up
 * and go together as the next one, at once when the run ends. At most one batch runs at a time
 * per batcher; a batch holds up to `maxItems` items unless a single submit is bigger (a submit is
 * never split). `windowMs: 0` merges only the calls of one event-loop turn (setImmediate).
 */
export type BatchExecutor<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

export interface MicroBatcherOptions {
  /** Items one batch takes at most; reaching it flushes at once. */
  readonly maxItems: number;
  /** How long the first queued call waits for company, in ms (0: the same event-loop turn). */
  readonly windowMs: number;
}

interface Pending<I, O> {
  readonly items: readonly I[];
  readonly resolve: (out: O[]) => void;
  readonly reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  readonly #execute: BatchExecutor<I, O>;
  readonly #maxItems: number;
  readonly #windowMs: number;
  #queue: Pending<I, O>[] = [];
  #queuedItems = 0;
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #running: Promise<void> | null = null;
  #idle: (() => void)[] = [];

  constructor(execute: BatchExecutor<I, O>, options: MicroBatcherOptions | number) {
    this.#execute = execute;
    const o = typeof options === 'number' ? { maxItems: options, windowMs: 0 } : options;
    this.#maxItems = Math.max(1, o.maxItems);
    this.#windowMs = Math.max(0, o.windowMs);
  }

  submit(items: readonly I[]): Promise<O[]> {
    return new Promise<O[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      this.#queuedItems += items.length;
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && !this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#running) return; // the running batch's end flushes the queue
    if (this.#queuedItems >= this.#maxItems) {
      this.#cancelTimer();
      this.#flush();
      return;
    }
    if (this.#timer) return;
    const fire = (): void => {
      this.#timer = null;
      this.#flush();
    };
    this.#timer = this.#windowMs === 0 ? setImmediate(fire) : setTimeout(fire, this.#windowMs);
  }

  #cancelTimer(): void {
    if (!this.#timer) return;
    if (this.#windowMs === 0) clearImmediate(this.#timer as NodeJS.Immediate);
    else clearTimeout(this.#timer as NodeJS.Timeout);
    this.#timer = null;
  }

  #flush(): void {
    if (this.#running) return;
    if (this.#queue.length === 0) {
      for (const done of this.#idle.splice(0)) done();
      return;
    }
    const batch: Pending<I, O>[] = [];
    let size = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Pending<I, O>;
      if (batch.length > 0 && size + next.items.length > this.#maxItems) break;
      batch.push(next);
      size += next.items.length;
      this.#queue.shift();
    }
    this.#queuedItems -= size;
    this.#running = this.#runBatch(batch).finally(() => {
      this.#running = null;
      this.#cancelTimer();
      this.#flush();
    });
  }

  async #runBatch(batch: readonly Pending<I, O>[]): Promise<void> {
    const items = batch.length === 1 ? (batch[0] as Pending<I, O>).items : batch.flatMap((p) => p.items);
    let out: readonly O[];
    try {
      out = await this.#execute(items);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    let offset = 0;
    for (const p of batch) {
      p.resolve(out.slice(offset, offset + p.items.length));
      offset += p.items.length;
    }
  }
}
