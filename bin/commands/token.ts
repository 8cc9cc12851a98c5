/** `gofuture token --role ROLE ... [--sub NAME] [--ttl 1h]`: a dev JWT (bin/auth-commands.ts). */
import { runAuthCommand } from '../auth-commands.ts';

export function run(argv: readonly string[]): Promise<void> {
  return runAuthCommand('token', argv);
}
