/**
 * Where a retraining run keeps its candidate between tasks (retrain -> validate -> gate -> register
 * -> canary run as separate tasks, possibly on separate workers): keyed by DAG and logical date.
 * `memory` for one process; `directory` (JSON files under the data dir) when workers share a disk.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NewModelVersion } from '../../connectors/contracts/model-version-registry.ts';

export interface Candidate {
  readonly model: string;
  /** Why it was trained: `drift` (a drift check found dataset drift) or `schedule` / `labels`. */
  readonly reason: string;
  readonly version: NewModelVersion;
  readonly validated?: boolean;
  readonly gatePassed?: boolean;
  readonly gateFailures?: readonly string[];
  /** The registry version once registered. */
  readonly registeredVersion?: string;
}

export interface CandidateStore {
  get(dag: string, logicalDate: string): Promise<Candidate | undefined>;
  put(dag: string, logicalDate: string, c: Candidate): Promise<void>;
}

export function createMemoryCandidateStore(): CandidateStore {
  const m = new Map<string, Candidate>();
  return {
    get: async (dag, d) => m.get(`${dag}/${d}`),
    put: async (dag, d, c) => {
      m.set(`${dag}/${d}`, c);
    },
  };
}

interface StoredCandidate extends Omit<Candidate, 'version'> {
  readonly version: Omit<NewModelVersion, 'artifacts'> & { readonly artifacts: Record<string, string> };
}

export function createDirectoryCandidateStore(dir: string): CandidateStore {
  const file = (dag: string, d: string): string => path.join(dir, `${dag.replace(/[^\w.-]/g, '_')}--${d}.json`);
  return {
    async get(dag, d) {
      const text = await readFile(file(dag, d), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
      if (text === null) return undefined;
      const s = JSON.parse(text) as StoredCandidate;
      const artifacts = Object.fromEntries(Object.entries(s.version.artifacts).map(([k, b]) => [k, new Uint8Array(Buffer.from(b, 'base64'))]));
      return { ...s, version: { ...s.version, artifacts } };
    },
    async put(dag, d, c) {
      await mkdir(dir, { recursive: true });
      const artifacts = Object.fromEntries(Object.entries(c.version.artifacts).map(([k, b]) => [k, Buffer.from(b).toString('base64')]));
      const target = file(dag, d);
      await writeFile(`${target}.tmp`, JSON.stringify({ ...c, version: { ...c.version, artifacts } }));
      await rename(`${target}.tmp`, target);
    },
  };
}
