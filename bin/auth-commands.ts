/**
 * `gofuture token` and `gofuture api-key`: dev credentials.
 *   token --role bi [--role admin] [--sub NAME] [--ttl 1h] [--config FILE] [--profile P]
 *     prints an HS256 JWT signed with the configured secret (gateway.auth.jwtSecret or
 *     GOFUTURE_JWT_SECRET), with the configured issuer / audience, roles in `roles` and `scope`.
 *   api-key --id NAME --role service [--role ...]
 *     prints a new API key (give it to the service) and the config entry holding only its hash.
 */
import { parseArgs } from 'node:util';
import { PlatformError } from '../schema/errors.ts';
import { newApiKey } from '../gateway/plugins/auth-api-keys.ts';
import { mintDevToken, parseRole, parseTtl } from '../gateway/plugins/auth-token.ts';
import { loadConfig } from './config.ts';

const options = {
  role: { type: 'string', multiple: true },
  sub: { type: 'string' },
  ttl: { type: 'string' },
  id: { type: 'string' },
  config: { type: 'string' },
  profile: { type: 'string' },
} as const;

export async function runAuthCommand(command: 'token' | 'api-key', argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
  const roles = (values.role ?? []).map(parseRole);
  if (roles.length === 0) throw new PlatformError('BAD_USER_INPUT', `${command}: at least one --role is needed (bi, dashboard, service, admin)`);
  if (command === 'api-key') {
    if (!values.id) throw new PlatformError('BAD_USER_INPUT', 'api-key: --id NAME is needed (the calling service, e.g. pricing)');
    const { key, sha256 } = newApiKey();
    out(`${key}\n`);
    process.stderr.write(`Give the key above to "${values.id}" (x-api-key header or Authorization: Bearer). Add to gateway.auth.apiKeys:\n`);
    process.stderr.write(`${JSON.stringify({ id: values.id, sha256, roles })}\n`);
    return;
  }
  const config = loadConfig({ ...(values.profile ? { profile: values.profile } : {}), ...(values.config ? { file: values.config } : {}) });
  const auth = config.gateway.auth;
  if (!auth.jwtSecret) {
    throw new PlatformError('AUTH_NOT_CONFIGURED', 'token: no JWT secret configured: set GOFUTURE_JWT_SECRET (32+ characters) or gateway.auth.jwtSecret in the config file');
  }
  const token = await mintDevToken({
    secret: auth.jwtSecret,
    roles,
    ...(values.sub ? { subject: values.sub } : {}),
    ...(values.ttl ? { ttlSeconds: parseTtl(values.ttl) } : {}),
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  });
  out(`${token}\n`);
}
