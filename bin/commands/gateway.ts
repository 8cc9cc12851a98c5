/** `gofuture gateway`: the gateway alone over any Federation v2 supergraph (flags in gateway/cli.ts). */
import { runGatewayCli } from '../../gateway/cli.ts';

export async function run(argv: readonly string[]): Promise<void> {
  await runGatewayCli(argv);
}
