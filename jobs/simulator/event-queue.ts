/** A min-heap of scheduled actions by (simulated time, insertion order): the simulator's agenda. */
export interface Scheduled {
  readonly time: number;
  readonly seq: number;
  readonly run: (time: number) => void;
}

export class EventQueue {
  readonly #heap: Scheduled[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  schedule(time: number, run: (time: number) => void): void {
    this.#heap.push({ time, seq: this.#seq++, run });
    this.#up(this.#heap.length - 1);
  }

  /** The earliest action if it is due before `until` (exclusive), removed from the queue. */
  popBefore(until: number): Scheduled | undefined {
    const top = this.#heap[0];
    if (!top || top.time >= until) return undefined;
    const last = this.#heap.pop() as Scheduled;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#down(0);
    }
    return top;
  }

  #less(a: Scheduled, b: Scheduled): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const a = h[i] as Scheduled;
      const b = h[parent] as Scheduled;
      if (!this.#less(a, b)) break;
      h[i] = b;
      h[parent] = a;
      i = parent;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l] as Scheduled, h[m] as Scheduled)) m = l;
      if (r < h.length && this.#less(h[r] as Scheduled, h[m] as Scheduled)) m = r;
      if (m === i) return;
      const tmp = h[i] as Scheduled;
      h[i] = h[m] as Scheduled;
      h[m] = tmp;
      i = m;
    }
  }
}
