import { randomUUID } from 'node:crypto';
import { BaseChatModel, type BaseChatModelParams } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { dayOf } from '../../../domain/days.ts';
import { REPERTOIRE, understand, type Intent } from '../../../domain/intents.ts';
import { namesAsked, type NamesKind } from '../../../domain/semantic/said-names.ts';
import type { ToolArtifact } from '../tools.ts';
import type { ToolOutcome } from './answers.ts';
import { nextStep } from './plan.ts';

export interface Vocabulary {
  pages: readonly string[];
  agents: readonly string[];
  reviewers?: readonly string[];
  topics?: readonly string[];
  /** the QA scorecard's category labels ("Tone", "Policy") */
  qaCategories?: readonly string[];
}

export interface OfflineModelOptions extends BaseChatModelParams {
  timeZone: string;
  now: () => Date;
  /** page and agent names it recognises in questions */
  vocabulary?: () => Vocabulary;
}

/** What the offline model keeps on its answers, so follow-ups and "show the SQL" work from memory. */
export interface OfflineMeta {
  intent?: Intent;
  sql?: string[];
}

const SQL_REQUEST = /^\s*(?:and\s+)?(?:show|give|what(?:'s| is| was)|print|display)\b.*\b(?:sql|query)\b(?!.*\bselect\b)/i;
/** "show me the SQL for CSI last week": the question after it is answered, with its SQL. */
const SQL_FOR = /^\s*(?:and\s+)?(?:show|give|print|display)(?: me)? (?:the )?(?:sql|query)(?: (?:for|of|behind|used for|that gives))\s+(.+)$/i;

const NAME_WORDS: Record<NamesKind, string> = { pages: 'Pages', agents: 'Human agents', reviewers: 'People who changed a QA state', topics: 'Topics', qaCategories: 'QA categories' };

function metaOf(m: BaseMessage): OfflineMeta | undefined {
  return AIMessage.isInstance(m) ? ((m.additional_kwargs as { pulse?: OfflineMeta }).pulse ?? undefined) : undefined;
}

function helpText(unknown: boolean): string {
  const intro = unknown
    ? "I can't answer that one offline. Here is what I can do (ask in your own words):"
    : 'I answer questions about support performance from the database. For example:';
  const lines = REPERTOIRE.filter((r) => r.kind !== 'help' && r.kind !== 'unknown').map((r) => `• ${r.examples[0]}`);
  return [intro, ...lines, 'Follow-ups work too: "and the week before?", "now by page", "show the SQL".'].join('\n');
}

/**
 * A deterministic, rule-based chat model: it understands a documented repertoire of questions
 * (src/domain/intents.ts) and drives the same tools an LLM would, one tool call at a time.
 * No network, no randomness in what it says.
 */
export class OfflineChatModel extends BaseChatModel {
  private readonly opts: OfflineModelOptions;

  constructor(opts: OfflineModelOptions) {
    super(opts);
    this.opts = opts;
  }

  _llmType(): string {
    return 'pulse-offline';
  }

  // The tools are fixed by the playbook; binding them changes nothing.
  override bindTools(): this {
    return this;
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const message = this.respond(messages);
    return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
  }

  respond(messages: readonly BaseMessage[]): AIMessage {
    const h = messages.findLastIndex((m) => HumanMessage.isInstance(m));
    const typed = h >= 0 ? String(messages[h]!.content) : '';
    const sqlFor = SQL_FOR.exec(typed);
    const question = sqlFor ? sqlFor[1]! : typed;
    const earlier = messages.slice(0, Math.max(h, 0)).map(metaOf).filter((m): m is OfflineMeta => m !== undefined);
    // a refusal leaves the thread where it was: "by page" after one follows the question before it
    const previous = earlier.findLast((m) => m.intent && m.intent.kind !== 'refuse' && m.intent.kind !== 'unknown')?.intent;
    const asked = namesAsked(question);
    const vocab = this.opts.vocabulary?.() ?? { pages: [], agents: [] };
    if (asked) {
      const names = vocab[asked] ?? [];
      return final(names.length ? `${NAME_WORDS[asked]} (${names.length}): ${[...names].sort().join(', ')}.` : `No ${NAME_WORDS[asked].toLowerCase()} in the data yet.`, {});
    }
    if (!sqlFor && SQL_REQUEST.test(question)) {
      const sql = earlier.findLast((m) => m.sql?.length)?.sql;
      return final(sql ? `The SQL behind the last answer:\n${sql.join(';\n\n')};` : 'There is no earlier answer with SQL in this conversation.', {});
    }
    const now = this.opts.now();
    const intent = canonicalAgent(understand(question, {
      now, timeZone: this.opts.timeZone, previous, pages: vocab.pages, agents: vocab.agents, reviewers: vocab.reviewers ?? [], topics: vocab.topics ?? [], qaCategories: vocab.qaCategories ?? [],
    }), vocab);
    const turn = messages.slice(h + 1);
    const outcomes: ToolOutcome[] = turn.filter((m) => ToolMessage.isInstance(m)).map((m) => ({ name: m.name ?? '', data: parse(m.content) }));
    const step = nextStep(intent, outcomes, this.opts.timeZone, dayOf(now, this.opts.timeZone));
    if (!step) return final(helpText(intent.kind === 'unknown'), intent.kind === 'unknown' ? {} : { intent });
    if ('call' in step) {
      return new AIMessage({ content: '', tool_calls: [{ id: `call_${randomUUID()}`, name: step.call.name, args: step.call.args, type: 'tool_call' }] });
    }
    const sql = turn.flatMap((m) => (ToolMessage.isInstance(m) ? ((m.artifact as ToolArtifact | undefined)?.sql ?? []).map((q) => withValues(q.text, q.values)) : []));
    const answer = sqlFor && sql.length ? `${step.answer}\n\nThe SQL:\n${sql.join(';\n\n')};` : step.answer;
    return final(answer, { intent, ...(sql.length ? { sql } : {}) });
  }
}

/** "Noah" → "Noah Williams": the tools match an agent by full name or id. */
function canonicalAgent(intent: Intent, vocab: Vocabulary): Intent {
  const typed = intent.agent?.toLowerCase();
  if (!typed) return intent;
  const hits = vocab.agents.filter((a) => a.toLowerCase() === typed || a.toLowerCase().split(/\s+/).includes(typed));
  const exact = hits.find((a) => a.toLowerCase() === typed);
  return exact || hits.length !== 1 ? intent : { ...intent, agent: hits[0]! };
}

function final(text: string, meta: OfflineMeta): AIMessage {
  return new AIMessage({ content: text, additional_kwargs: { pulse: meta } });
}

function parse(content: unknown): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(typeof content === 'string' ? content : JSON.stringify(content));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { error: String(content) };
  }
}

/** The statement with its parameters written in, for a reader; never executed in this form. */
function withValues(text: string, values: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (m, n: string) => {
    const v = values[Number(n) - 1];
    if (v === undefined) return m;
    if (v === null) return 'NULL';
    if (typeof v === 'number') return String(v);
    return `'${String(v instanceof Date ? v.toISOString() : v).replace(/'/g, "''")}'`;
  });
}
