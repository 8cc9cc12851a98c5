/**
 * A small client of MLflow's REST API (`/api/2.0/mlflow/...` and the artifact proxy
 * `/api/2.0/mlflow-artifacts/artifacts/...`) over fetch: JSON in and out, retries with backoff on
 * network errors, 429 and 5xx, and MLflow's `{error_code, message}` answers as MlflowApiError.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { errorMessage, PlatformError } from '../../schema/errors.ts';

/** An answer of the server with an MLflow error code (RESOURCE_DOES_NOT_EXIST, RESOURCE_ALREADY_EXISTS, ...). */
export class MlflowApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  constructor(status: number, errorCode: string, message: string) {
    super(message);
    this.name = 'MlflowApiError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

export function isMlflowError(e: unknown, code: string): e is MlflowApiError {
  return e instanceof MlflowApiError && e.errorCode === code;
}

export interface MlflowClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly token?: string | undefined;
  readonly logger: Logger;
}

type Query = Readonly<Record<string, string | number | undefined>>;

export class MlflowClient {
  readonly #base: string;
  readonly #o: MlflowClientOptions;

  constructor(o: MlflowClientOptions) {
    this.#base = o.url.replace(/\/+$/, '');
    this.#o = o;
  }

  get url(): string {
    return this.#base;
  }

  /** `GET /api/2.0/mlflow/<path>?query`. */
  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.#json<T>('GET', `/api/2.0/mlflow/${path}`, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>('POST', `/api/2.0/mlflow/${path}`, {}, body);
  }

  /** MLflow's DELETE endpoints take a JSON body, like its POSTs. */
  delete<T>(path: string, body: unknown): Promise<T> {
    return this.#json<T>('DELETE', `/api/2.0/mlflow/${path}`, {}, body);
  }

  /** PUT of an artifact through the server's artifact proxy (`mlflow server --serve-artifacts`). */
  async putArtifact(path: string, bytes: Uint8Array): Promise<void> {
    await this.#request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${encodePath(path)}`, {}, bytes, 'application/octet-stream');
  }

  async getArtifact(path: string): Promise<Uint8Array> {
    const res = await this.#request('GET', `/api/2.0/mlflow-artifacts/artifacts/${encodePath(path)}`, {});
    return new Uint8Array(res);
  }

  async #json<T>(method: string, path: string, query: Query, body?: unknown): Promise<T> {
    const raw = await this.#request(method, path, query, body === undefined ? undefined : JSON.stringify(body), 'application/json');
    const text = new TextDecoder().decode(raw);
    return (text.length ? JSON.parse(text) : {}) as T;
  }

  async #request(method: string, path: string, query: Query, body?: string | Uint8Array, contentType?: string): Promise<ArrayBuffer> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const url = `${this.#base}${path}${qs.size ? `?${qs.toString()}` : ''}`;
    const headers: Record<string, string> = {};
    if (contentType && body !== undefined) headers['content-type'] = contentType;
    if (this.#o.token) headers.authorization = `Bearer ${this.#o.token}`;
    const payload: BodyInit | undefined = typeof body === 'string' || body === undefined ? body : new Blob([new Uint8Array(body)]);
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}), signal: AbortSignal.timeout(this.#o.timeoutMs) });
      } catch (e) {
        if (attempt >= this.#o.maxAttempts) {
          throw new PlatformError('CONNECTOR_UNAVAILABLE', `MLflow at ${this.#base} did not answer ${method} ${path}: ${errorMessage(e)}`, { url: this.#base }, { cause: e });
        }
        await this.#backoff(attempt, delay, `${method} ${path}: ${errorMessage(e)}`);
        delay *= 2;
        continue;
      }
      const buf = await res.arrayBuffer();
      if (res.ok) return buf;
      const retryable = res.status === 429 || res.status >= 500;
      const err = parseError(res.status, buf);
      if (!retryable || attempt >= this.#o.maxAttempts) {
        if (retryable) throw new PlatformError('CONNECTOR_UNAVAILABLE', `MLflow at ${this.#base} failed ${method} ${path}: ${res.status} ${err.message}`, { url: this.#base, status: res.status }, { cause: err });
        throw err;
      }
      await this.#backoff(attempt, delay, `${method} ${path}: ${res.status} ${err.message}`);
      delay *= 2;
    }
  }

  async #backoff(attempt: number, delay: number, why: string): Promise<void> {
    const ms = Math.min(2_000, delay) * (0.5 + Math.random() / 2);
    this.#o.logger.debug({ attempt, ms: Math.round(ms), why }, 'mlflow request retried');
    await sleep(ms);
  }
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function parseError(status: number, buf: ArrayBuffer): MlflowApiError {
  const text = new TextDecoder().decode(buf);
  try {
    const j = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return new MlflowApiError(status, typeof j.error_code === 'string' ? j.error_code : `HTTP_${status}`, typeof j.message === 'string' ? j.message : text.slice(0, 500));
  } catch {
    return new MlflowApiError(status, `HTTP_${status}`, text.slice(0, 500));
  }
}
