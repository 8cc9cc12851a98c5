/** `gofuture api-key --id NAME --role ROLE ...`: a new API key and its hashed config entry (bin/auth-commands.ts). */
import { runAuthCommand } from '../auth-commands.ts';

export function run(argv: readonly string[]): Promise<void> {
  return runAuthCommand('api-key', argv);
}
