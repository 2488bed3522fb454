import { HumanMessage, SystemMessage, isAIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatOpenAI } from '@langchain/openai';
import type { ConversationDay, JudgementScores, ScoreResult, Scorer } from '../../domain/scoring/types.ts';
import { BATCH_OUTPUT_JSON_SCHEMA, parseBatchOutput } from './output.ts';
import { PROMPT_VERSION, SYSTEM_PROMPT, renderUserPrompt } from './prompt.ts';
import { classifyFailure, nextDelayMs, type RetryPolicy } from './retry.ts';

// The LLM judgement scorer: several conversation-days per request, structured output checked
// item by item, and a batch that still fails after its retries yields null scores for its
// days (missing, never invented) instead of an exception, so one bad batch never sinks a job.

export type ScorerLog = (event: { msg: string; [k: string]: unknown }) => void;

export interface LlmScorerOptions {
  apiKey: string;
  baseUrl?: string;
  model?: string;
  /** conversation-days per request */
  batchSize?: number;
  /** per request */
  timeoutMs?: number;
  /** attempts after the first, for 429, 5xx, timeouts and connection errors */
  maxRetries?: number;
  log?: ScorerLog;
  /** requests in flight at once */
  concurrency?: number;
  /** first back-off when the server gives no Retry-After; doubles per attempt */
  backoffMs?: number;
  /** cap on the total wait between attempts of one batch */
  maxTotalWaitMs?: number;
}

export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';

interface StructuredReply {
  raw: BaseMessage;
  /** plain JSON as the model wrote it (null when it was not JSON); validated by parseBatchOutput */
  parsed: unknown;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reasoning models reject a temperature other than the default. */
const acceptsTemperature = (model: string) => !/^o\d/.test(model) && !(model.startsWith('gpt-5') && !model.startsWith('gpt-5-chat'));

function usageOf(raw: BaseMessage): { promptTokens?: number; completionTokens?: number; totalTokens?: number } {
  const u = isAIMessage(raw) ? raw.usage_metadata : undefined;
  return { promptTokens: u?.input_tokens, completionTokens: u?.output_tokens, totalTokens: u?.total_tokens };
}

export function createLlmScorer(opts: LlmScorerOptions): Scorer {
  const model = opts.model ?? DEFAULT_LLM_MODEL;
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const policy: RetryPolicy = {
    maxRetries: Math.max(0, opts.maxRetries ?? 3),
    backoffMs: opts.backoffMs ?? 1_000,
    maxTotalWaitMs: opts.maxTotalWaitMs ?? 120_000,
  };
  const log: ScorerLog = opts.log ?? (() => {});

  const chatOptions: ConstructorParameters<typeof ChatOpenAI>[0] = {
    apiKey: opts.apiKey,
    model,
    timeout: opts.timeoutMs ?? 60_000,
    // Our loop below is the only retry loop: it honours Retry-After and caps the total wait.
    maxRetries: 0,
    useResponsesApi: false,
    ...(acceptsTemperature(model) ? { temperature: 0 } : {}),
    configuration: opts.baseUrl ? { baseURL: opts.baseUrl } : undefined,
  };
  // LangChain picks JSON-Schema response_format where the model supports it and function
  // calling where it does not; either way `parsed` is plain JSON we validate per item.
  // The OpenAI client (hundreds of modules) and the metrics registry are loaded on the first
  // batch: a process that builds the scorer but scores nothing does not pay for them.
  const structuredModel = async () => {
    const { ChatOpenAI } = await import('@langchain/openai');
    const { llmMetrics } = await import('../../observability/llm.ts');
    return new ChatOpenAI({ ...chatOptions, callbacks: [llmMetrics('scorer', model)] }).withStructuredOutput(BATCH_OUTPUT_JSON_SCHEMA, { name: 'conversation_day_scores', includeRaw: true, strict: true });
  };
  let structured: ReturnType<typeof structuredModel> | undefined;

  async function call(days: ConversationDay[], batch: number): Promise<StructuredReply | null> {
    const messages = [new SystemMessage(SYSTEM_PROMPT), new HumanMessage(renderUserPrompt(days))];
    const model = await (structured ??= structuredModel());
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await model.invoke(messages);
      } catch (err) {
        const failure = classifyFailure(err, Date.now());
        const delay = nextDelayMs(policy, attempt, failure, waited, Math.random);
        const error = err instanceof Error ? err.message : String(err);
        if (delay === null) {
          log({ msg: 'llm scoring batch failed; its days stay unscored', batch, days: days.length, attempts: attempt, reason: failure.reason, error });
          return null;
        }
        log({ msg: 'llm scoring retry', batch, attempt, reason: failure.reason, delayMs: delay, retryAfterMs: failure.retryAfterMs, error });
        waited += delay;
        await sleep(delay);
      }
    }
  }

  interface RunTotals {
    promptTokens: number;
    completionTokens: number;
  }

  async function scoreBatch(days: ConversationDay[], batch: number, totals: RunTotals): Promise<Map<string, JudgementScores>> {
    const reply = await call(days, batch);
    if (!reply) return new Map();
    const usage = usageOf(reply.raw);
    totals.promptTokens += usage.promptTokens ?? 0;
    totals.completionTokens += usage.completionTokens ?? 0;
    log({ msg: 'llm scoring usage', batch, days: days.length, model, ...usage });
    const parsed = parseBatchOutput(reply.parsed, new Set(days.map((d) => d.key)));
    const missing = days.filter((d) => !parsed.scores.has(d.key)).length;
    if (reply.parsed == null) log({ msg: 'llm scoring output unreadable; its days stay unscored', batch, days: days.length });
    else if (missing > 0 || parsed.unknownKeys.length > 0) {
      log({ msg: 'llm scoring output incomplete', batch, missing, invalidItems: parsed.invalid, unknownKeys: parsed.unknownKeys.slice(0, 10) });
    }
    return parsed.scores;
  }

  async function score(days: ConversationDay[]): Promise<ScoreResult[]> {
    const batches: ConversationDay[][] = [];
    for (let i = 0; i < days.length; i += batchSize) batches.push(days.slice(i, i + batchSize));
    const found = new Map<string, JudgementScores>();
    const totals: RunTotals = { promptTokens: 0, completionTokens: 0 };
    let next = 0;
    // A small worker pool: enough parallelism to hide latency, few enough requests to stay
    // under typical rate limits.
    const worker = async () => {
      while (next < batches.length) {
        const i = next++;
        let scored: Map<string, JudgementScores>;
        try {
          scored = await scoreBatch(batches[i]!, i, totals);
        } catch (err) {
          // Only a bug can land here; it still must not take the other batches down with it.
          log({ msg: 'llm scoring batch crashed; its days stay unscored', batch: i, error: err instanceof Error ? err.message : String(err) });
          scored = new Map();
        }
        for (const [key, s] of scored) found.set(key, s);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    const results = days.map((d) => ({ key: d.key, scores: found.get(d.key) ?? null }));
    const unscored = results.filter((r) => r.scores === null).length;
    if (days.length > 0) log({ msg: 'llm scoring done', model, days: days.length, batches: batches.length, unscored, ...totals });
    return results;
  }

  return { name: 'llm', version: `${model}+${PROMPT_VERSION}`, score };
}
