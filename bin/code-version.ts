/** The git commit of the running code (a model version's lineage.codeVersion): GOFUTURE_CODE_VERSION, else `git rev-parse HEAD`, else `unknown`. */
import { execFileSync } from 'node:child_process';

let cached: string | null = null;

export function codeVersion(): string {
  if (cached !== null) return cached;
  const env = process.env.GOFUTURE_CODE_VERSION?.trim();
  if (env) return (cached = env);
  try {
    cached = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
