/**
 * Starts the predict suite's ONNX serving peer (bench/peers/onnx_serving.py: FastAPI + uvicorn over
 * onnxruntime from PyPI, the seeds' `POST /predict`, `POST /predict/batch`, `GET /health`) on one
 * port, with the venv of bench/peers/onnx-serving-env.sh (made on first use, ~1 min, then cached
 * under ~/.cache/gofuture/onnx-serving). Stopped by pid.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sleep } from '../support/stats.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export interface OnnxServingPeer {
  readonly url: string;
  readonly pid: number;
  /** e.g. "onnxruntime 1.31.1 (PyPI), FastAPI + uvicorn, Python 3.11.7" */
  readonly what: string;
  stop(): Promise<void>;
}

/** The peer, or why it cannot run (no python3, no network for the first install...). */
export async function startOnnxServingPeer(modelPath: string, port: number): Promise<OnnxServingPeer | string> {
  let python: string;
  try {
    python = (await run(path.join(HERE, 'onnx-serving-env.sh'), [], { timeout: 600_000 })).stdout.trim().split('\n').pop() ?? '';
  } catch (e) {
    return `the peer's venv could not be made (bench/peers/onnx-serving-env.sh): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  const child: ChildProcess = spawn(python, [path.join(HERE, 'onnx_serving.py'), modelPath, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (b: Buffer) => {
    tail = (tail + b.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) return `the peer exited with code ${child.exitCode}: ${tail.trim().slice(-400)}`;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) {
        const h = (await res.json()) as { onnxruntime?: string };
        const py = (await run(python, ['--version'])).stdout.trim();
        return { url, pid: child.pid ?? 0, what: `onnxruntime ${h.onnxruntime ?? '?'} (PyPI), FastAPI 0.163.2 + uvicorn 0.54.0 (uvloop, httptools, 1 worker), ${py}`, stop };
      }
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      await stop();
      return `the peer did not answer /health within 60 s: ${tail.trim().slice(-400)}`;
    }
    await sleep(200);
  }
}
