import { createHmac } from 'node:crypto';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type pg from 'pg';
import type { Config } from '../../config.ts';
import { TOPIC_LABELS } from '../../domain/topics.ts';
import type { AfterQaChange } from '../../db/qa-repo.ts';
import { AGENT_ROLE } from '../sql/agent-role.ts';
import { createAssistant, type Assistant } from './assistant.ts';
import { OfflineChatModel, type Vocabulary } from './offline/model.ts';

export interface OpenAssistant {
  assistant: Assistant;
  /** why sql_query is off, if it is */
  sqlUnavailable?: string;
  /** re-reads the page and agent names the offline model recognises (e.g. after seeding) */
  refreshVocabulary(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The pulse_agent password, derived from the admin URL: every process that can reach the
 * server as admin (service, CLI, tests) computes the same one, so none locks the others out
 * by resetting it, and knowing it grants nothing the admin URL does not. The role belongs to
 * the whole server, not to one database, so only the credentials, host and port count (not the
 * database, the scheme spelling or the parameters): processes on two databases of one server
 * must agree as well.
 */
export function agentPassword(adminUrl: string): string {
  const u = new URL(adminUrl);
  const server = `${u.username}:${u.password}@${u.hostname}:${u.port || '5432'}`;
  return createHmac('sha256', server).update(AGENT_ROLE).digest('hex');
}

/** The chat model: OpenAI-compatible when a key is configured, else the offline model. */
export async function chatModel(config: Config, offline: ConstructorParameters<typeof OfflineChatModel>[0]): Promise<BaseChatModel> {
  if (!config.llm.apiKey) return new OfflineChatModel(offline);
  const { ChatOpenAI } = await import('@langchain/openai');
  const { llmMetrics } = await import('../../observability/llm.ts');
  return new ChatOpenAI({
    apiKey: config.llm.apiKey,
    model: config.llm.model ?? 'gpt-4o-mini',
    temperature: 0,
    maxRetries: 2,
    timeout: 60_000,
    callbacks: [llmMetrics('assistant', config.llm.model ?? 'gpt-4o-mini')],
    ...(config.llm.baseUrl ? { configuration: { baseURL: config.llm.baseUrl } } : {}),
  });
}

const VOCABULARY_TTL_MS = 10 * 60_000;

/** Page and agent names for the offline model, refreshed in the background every few minutes. */
function vocabularyCache(pool: pg.Pool, now: () => Date): { get: () => Vocabulary; refresh: () => Promise<void> } {
  let current: Vocabulary = { pages: [], agents: [] };
  let loadedAt = -Infinity;
  const refresh = async () => {
    const [pages, agents, reviewers, categories] = await Promise.all([
      pool.query<{ name: string }>('SELECT name FROM pages ORDER BY name'),
      pool.query<{ name: string }>(
        `SELECT DISTINCT agent_info->>'name' AS name FROM messages
          WHERE sender_kind = 'human_agent' AND agent_info->>'name' IS NOT NULL ORDER BY 1 LIMIT 500`,
      ),
      // named ones only: a token's user (`pulse token create`) has no name, and one null here
      // broke every question the offline model read (its name matcher measures each name)
      pool.query<{ name: string }>(
        `SELECT DISTINCT u.name FROM users u WHERE u.name IS NOT NULL AND EXISTS (SELECT 1 FROM qa_events e WHERE e.actor_id = u.id) ORDER BY 1 LIMIT 500`,
      ),
      pool.query<{ label: string }>('SELECT DISTINCT label FROM qa_categories ORDER BY 1 LIMIT 100'),
    ]);
    current = {
      pages: pages.rows.map((r) => r.name), agents: agents.rows.map((r) => r.name),
      // every stored label is one of these (both classifiers write them; migration
      // 20261206100000_one_topic_label_set rewrote older ones): no scan of the messages for them
      reviewers: reviewers.rows.map((r) => r.name), topics: [...TOPIC_LABELS], qaCategories: categories.rows.map((r) => r.label),
    };
    loadedAt = now().getTime();
  };
  const get = () => {
    if (now().getTime() - loadedAt > VOCABULARY_TTL_MS) {
      loadedAt = now().getTime();
      refresh().catch(() => {});
    }
    return current;
  };
  return { get, refresh };
}

/** The sql_query tool's connections (the read-only pulse_agent role), or why it is off. */
export type AgentSql = { pool: pg.Pool } | { unavailable: string };

/**
 * Wires the assistant from what the composition root made: the app's pool, the sql_query
 * tool's read-only pool (or the reason it is off), the model from configuration. `sql` may
 * still be on its way: the login and the vocabulary's first read overlap, a good part of a
 * one-question `pulse ask`.
 */
export async function assembleAssistant(
  config: Config,
  deps: { pool: pg.Pool; sql: AgentSql | Promise<AgentSql>; now?: () => Date; model?: BaseChatModel; qaAfter?: AfterQaChange },
): Promise<Omit<OpenAssistant, 'close'>> {
  const { pool } = deps;
  const now = deps.now ?? (() => new Date());
  const vocabulary = vocabularyCache(pool, now);
  const [sql] = await Promise.all([deps.sql, vocabulary.refresh()]);
  const agentPool = 'pool' in sql ? sql.pool : undefined;
  const model = deps.model ?? (await chatModel(config, { timeZone: config.businessTimezone, now, vocabulary: vocabulary.get }));
  const sqlUnavailable = 'unavailable' in sql ? sql.unavailable : undefined;
  const assistant = createAssistant({
    pool,
    model,
    vocabulary: vocabulary.get,
    timeZone: config.businessTimezone,
    now,
    ...(agentPool ? { agentPool } : {}),
    ...(sqlUnavailable ? { agentUnavailable: sqlUnavailable } : {}),
    ...(config.assistantMinRole ? { analyticsMinRole: config.assistantMinRole } : {}),
    ...(deps.qaAfter ? { qaAfter: deps.qaAfter } : {}),
  });
  return {
    assistant,
    ...(sqlUnavailable ? { sqlUnavailable } : {}),
    refreshVocabulary: vocabulary.refresh,
  };
}
