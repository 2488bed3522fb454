import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';

/** Created by migration 20261122100000_analytics_views; may read the analytics views and nothing else. */
export const AGENT_ROLE = 'pulse_agent';

export type AgentLogin =
  /** Connection URL for the agent's pool: adminUrl with user pulse_agent and its new password. */
  | { url: string }
  /** Why the sql_query tool must stay disabled (missing role, no right to alter it, unsafe role...). */
  | { unavailable: string };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PASSWORD = /^[A-Za-z0-9]{24,}$/;
const SCRAM = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

/** 32 characters of [A-Za-z0-9], about 190 bits. */
export function randomAgentPassword(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL would store for `password` (RFC 5802/7677). Sending the
 * verifier instead of the password keeps the plaintext out of server logs and pg_stat_statements;
 * the server accepts it for scram-sha-256, md5 and password authentication alike.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

interface RoleRow {
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  member_of: string[];
  analytics_usage: boolean | null;
}

/**
 * Run once at start-up as the app's (privileged) database user: gives pulse_agent LOGIN and a
 * fresh password, then proves the login works. Never throws for an expected condition; returns
 * `{ unavailable }` so the service can start without the sql_query tool.
 *
 * The role is cluster-wide, so each call replaces the password every other process holds:
 * their open connections survive, new ones fail. Processes sharing one cluster should pass the
 * same `opts.password` (24+ characters of [A-Za-z0-9], e.g. from configuration).
 */
export async function prepareAgentLogin(adminUrl: string, opts: { password?: string } = {}): Promise<AgentLogin> {
  const password = opts.password ?? randomAgentPassword();
  if (!PASSWORD.test(password)) return { unavailable: 'the agent password must be 24+ characters of [A-Za-z0-9]' };

  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    const { rows } = await admin.query<RoleRow>(
      `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
              ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
              CASE WHEN to_regnamespace('analytics') IS NULL THEN NULL
                   ELSE has_schema_privilege(r.oid, 'analytics', 'USAGE') END AS analytics_usage
       FROM pg_roles r WHERE r.rolname = $1`,
      [AGENT_ROLE],
    );
    const role = rows[0];
    if (!role) {
      return {
        unavailable:
          `role ${AGENT_ROLE} does not exist: the analytics_views migration skips it when the migrating user lacks ` +
          'CREATEROLE; a superuser must create it and re-run that migration\'s grants',
      };
    }
    // A role that is more than a reader would make the views pointless: refuse to hand it out.
    const excess = [
      role.rolsuper && 'SUPERUSER',
      role.rolcreaterole && 'CREATEROLE',
      role.rolcreatedb && 'CREATEDB',
      role.rolreplication && 'REPLICATION',
      role.rolbypassrls && 'BYPASSRLS',
      ...role.member_of.map((g) => `member of ${g}`),
    ].filter((x): x is string => typeof x === 'string');
    if (excess.length > 0) {
      return { unavailable: `role ${AGENT_ROLE} has more rights than reading views (${excess.join(', ')}); not using it` };
    }
    if (role.analytics_usage !== true) {
      return {
        unavailable: `role ${AGENT_ROLE} cannot use schema analytics in this database (was it created after the migration ran?)`,
      };
    }

    const verifier = scramVerifier(password);
    // ALTER ROLE takes no bind parameters: the literal is safe because it can only hold base64.
    if (!SCRAM.test(verifier)) throw new Error('unexpected characters in SCRAM verifier');
    try {
      await admin.query(`ALTER ROLE ${AGENT_ROLE} LOGIN PASSWORD '${verifier}'`);
    } catch (err) {
      return {
        unavailable: `cannot set the password of ${AGENT_ROLE} (${(err as Error).message}); the app user needs CREATEROLE and ADMIN on it`,
      };
    }
  } catch (err) {
    return { unavailable: `cannot prepare ${AGENT_ROLE}: ${(err as Error).message}` };
  } finally {
    await admin.end().catch(() => {});
  }

  const u = new URL(adminUrl);
  u.username = AGENT_ROLE;
  u.password = password;
  const url = u.toString();
  // pg_hba.conf may still refuse the role (e.g. a managed database allowing listed users only).
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
  } catch (err) {
    return { unavailable: `${AGENT_ROLE} cannot log in: ${(err as Error).message}` };
  } finally {
    await probe.end().catch(() => {});
  }
  return { url };
}
