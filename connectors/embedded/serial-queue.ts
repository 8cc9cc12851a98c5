/** Runs async tasks one at a time, in submission order (one DuckDB connection, one statement at a time). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task, task);
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }

  /** Tasks submitted and not yet finished. */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once every task submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }
}
