import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type pg from 'pg';
import { agentPassword, assembleAssistant, type AgentSql, type OpenAssistant } from '../agents/assistant/open.js';
import { createAgentPool } from '../agents/sql/agent-pool.js';
import { prepareAgentLogin } from '../agents/sql/agent-role.js';
import type { Config } from '../config.js';
import type { AfterQaChange } from '../db/qa-repo.js';
import { applicationName, ASSISTANT_SQL_CONNECTIONS } from './infrastructure.js';

// The assistant as the composition roots make it (service, CLI, benches, tests): the read-only
// pulse_agent login needs the admin URL (it sets the role's password and logs in as it), so it
// is made here, with its own small pool, and handed to the assistant.

/**
 * The sql_query tool's pool: pulse_agent's login prepared with the derived password, then
 * ASSISTANT_SQL_CONNECTIONS connections as that role; or why the tool is off.
 */
export async function openAgentSql(adminUrl: string, config: Pick<Config, 'businessTimezone'>): Promise<AgentSql> {
  const login = await prepareAgentLogin(adminUrl, { password: agentPassword(adminUrl) });
  if ('unavailable' in login) return login;
  const url = new URL(login.url);
  url.searchParams.set('application_name', applicationName('assistant-sql'));
  return { pool: createAgentPool(url.toString(), config.businessTimezone, ASSISTANT_SQL_CONNECTIONS) };
}

/** The assistant over `opts.pool` with its sql_query pool; close() ends that pool (not `opts.pool`). */
export async function openAssistant(
  config: Config,
  adminUrl: string,
  opts: { pool: pg.Pool; now?: () => Date; model?: BaseChatModel; qaAfter?: AfterQaChange },
): Promise<OpenAssistant> {
  const sql = openAgentSql(adminUrl, config);
  const opened = await assembleAssistant(config, { ...opts, sql });
  const agentPool = await sql.then((s) => ('pool' in s ? s.pool : undefined));
  return { ...opened, close: async () => void (await agentPool?.end()) };
}
