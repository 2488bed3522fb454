import type { Command } from 'commander';
import type pg from 'pg';
import type { Config } from '../config.js';
import { ROLES, isRole } from '../domain/access.js';
import { withDatabase } from './db-commands.js';

type Out = (line: string) => void;

export async function withMigratedPool<T>(config: Config, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const { migrate } = await import('../db/migrator.js');
  const { createPool } = await import('../db/pool.js');
  return withDatabase(config, async (url) => {
    await migrate(url);
    // one connection: the token repository's Prisma client runs on this pool
    const pool = createPool(url, 1);
    try {
      return await fn(pool);
    } finally {
      await pool.end();
    }
  });
}

/** `pulse token create|revoke`: bearer tokens for the REST API, stored only as SHA-256. */
export function registerTokenCommand(program: Command, config: () => Config, out: Out): void {
  const token = program.command('token').description('REST API bearer tokens: create, revoke');

  token
    .command('create')
    .description('create an API token (the user is created when missing) and print it once, as the last line')
    .requiredOption('--user <user>', 'a Slack user id (U…), a users.id, or another external id')
    .requiredOption('--role <role>', `the role the token acts with (${ROLES.join(', ')})`)
    .option('--label <label>', 'what the token is for')
    .action(async (opts: { user: string; role: string; label?: string }) => {
      const { createApiToken, parseUserRef } = await import('../db/tokens-repo.js');
      if (!isRole(opts.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}, got "${opts.role}"`);
      const role = opts.role;
      const user = parseUserRef(opts.user);
      return withMigratedPool(config(), async (pool) => {
        const created = await createApiToken(pool, { user, role, label: opts.label });
        // Everything but the token goes to stderr: `pulse token create ... | tail -1` is the token.
        process.stderr.write(
          `token ${created.tokenId} for user ${created.userId}${created.userCreated ? ' (new user)' : ''}, role ${created.role}; ` +
            'it is shown only now: store it, then send it as "Authorization: Bearer <token>"\n',
        );
        out(created.token);
      });
    });

  token
    .command('revoke')
    .description('revoke an API token by its id')
    .argument('<id>', 'the token id printed by `pulse token create`')
    .action(async (id: string) => {
      const n = Number(id);
      if (!Number.isInteger(n) || n < 1) throw new Error(`<id> must be a positive integer, got "${id}"`);
      const { revokeApiToken } = await import('../db/tokens-repo.js');
      return withMigratedPool(config(), async (pool) => {
        if (!(await revokeApiToken(pool, n))) throw new Error(`there is no live token ${n}`);
        out(`token ${n} revoked`);
      });
    });
}
