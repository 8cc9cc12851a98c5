/**
 * Coalesces calls into batches: every submit() arriving before the next flush (the same event-loop
 * turn, via setImmediate) joins one batch, and while a batch runs new submits queue up and go
 * together as the next one. At most one batch runs at a time per batcher; a batch holds up to
 * `maxItems` items unless a single submit is bigger (a submit is never split).
 */
export type BatchExecutor<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

interface Pending<I, O> {
  readonly items: readonly I[];
  readonly resolve: (out: O[]) => void;
  readonly reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  readonly #execute: BatchExecutor<I, O>;
  readonly #maxItems: number;
  #queue: Pending<I, O>[] = [];
  #scheduled = false;
  #running: Promise<void> | null = null;
  #idle: (() => void)[] = [];

  constructor(execute: BatchExecutor<I, O>, maxItems: number) {
    this.#execute = execute;
    this.#maxItems = maxItems;
  }

  submit(items: readonly I[]): Promise<O[]> {
    return new Promise<O[]>((resolve, reject) => {
      this.#queue.push({ items, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && !this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
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
    this.#running = this.#runBatch(batch).finally(() => {
      this.#running = null;
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
