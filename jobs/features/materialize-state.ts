/**
 * The materialisation high-water marks (Feast's materialize-incremental memory): per feature view the
 * end of the last interval written to the online store, in `<dir>/materialize-state.json` (temp file +
 * rename, so a crash leaves the previous marks).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ViewMark {
  /** Epoch ms: rows with event_timestamp up to here are in the online store. */
  readonly highWaterMark: number;
  /** Wall-clock ms of the run that set it. */
  readonly updatedAt: number;
  /** Entities written by that run. */
  readonly written: number;
}

export type MaterializeMarks = Readonly<Record<string, ViewMark>>;

export const marksFile = (dir: string): string => path.join(dir, 'materialize-state.json');

export async function readMarks(dir: string): Promise<MaterializeMarks> {
  try {
    const j = JSON.parse(await readFile(marksFile(dir), 'utf8')) as { views?: Record<string, ViewMark> };
    return j.views ?? {};
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

export async function writeMarks(dir: string, marks: MaterializeMarks): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = marksFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ views: marks }, null, 2)}\n`, 'utf8');
  await rename(tmp, file);
}
