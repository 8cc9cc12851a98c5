/** The machine a run happened on: every result file starts with it. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly platform: string;
  /** 1-minute load average when the description was taken (how busy the box already was). */
  readonly loadAverage1m: number;
}

function kernelRelease(): string {
  try {
    return execFileSync('uname', ['-r'], { encoding: 'utf8', timeout: 2000 }).trim();
  } catch {
    return os.release();
  }
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: kernelRelease(),
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function machineLines(m: Machine): string[] {
  return [
    `- CPU: ${m.cpuModel} x ${m.cpuCount}`,
    `- memory: ${m.totalMemoryGiB} GiB`,
    `- Node.js: ${m.node} (${m.platform})`,
    `- kernel (uname -r): ${m.kernel}`,
    `- load average (1 min) at start: ${m.loadAverage1m}`,
  ];
}
