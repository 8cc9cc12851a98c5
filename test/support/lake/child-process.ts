/** A child process for kill -9 tests: spawned with this Node, its stdout lines collected, killed by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '../../conformance/helpers.ts';

export class Child {
  readonly lines: string[] = [];
  readonly #proc: ChildProcess;
  #stderr = '';
  readonly exited: Promise<number | null>;

  constructor(script: string, args: readonly string[]) {
    this.#proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.#proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.#proc.stderr?.on('data', (d: Buffer) => {
      this.#stderr += d.toString();
    });
    this.exited = once(this.#proc, 'exit').then(([code]) => code as number | null);
  }

  get stderr(): string {
    return this.#stderr;
  }

  async waitForLine(what: string, match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    await waitFor(`${what} (stderr: ${this.#stderr.slice(-500)})`, () => this.lines.some(match) || this.#proc.exitCode !== null, { timeoutMs });
    const line = this.lines.find(match);
    if (!line) throw new Error(`child exited (${this.#proc.exitCode}) before ${what}: ${this.#stderr.slice(-2000)}`);
    return line;
  }

  /** SIGSTOP / SIGCONT: freezes the child where it is (to look at what it left half done), then lets it go on. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill(sig);
  }

  get running(): boolean {
    return this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  /** SIGKILL: no handler runs, nothing is flushed. */
  async kill9(): Promise<void> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
    await this.exited;
  }

  async term(): Promise<number | null> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGTERM');
    return this.exited;
  }
}
