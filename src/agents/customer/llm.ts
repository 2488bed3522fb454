import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { z } from 'zod';
import type { CustomerTurn } from '../../domain/messenger/contracts.ts';
import type { Config } from '../../config.ts';
import type { TextClassification } from '../../domain/customer/classify.ts';
import type { PlannedReply, Plan } from '../../domain/customer/decide.ts';
import type { Logger } from '../../logger.ts';
import { unsupportedFacts } from './guard.ts';
import { CLASSIFY_PROMPT, REPLY_PROMPT, renderCustomerMessage } from './prompt.ts';
import { customerTools, type CustomerToolData, type ToolLog } from './tools.ts';

// The LLM option of the customer agent (CUSTOMER_AGENT_LLM=true with OPENAI_API_KEY). It never
// decides alone: a classification it cannot produce or that fails validation falls back to the
// rules, and a reply that fails validation or names a number or link no lookup returned falls
// back to the template answer. Each returns undefined/the rules' result instead of throwing.

export const INTENTS = [
  'price_inquiry', 'availability_check', 'shipping', 'returns', 'complaint', 'human_request', 'general_inquiry', 'first_contact', 'gratitude',
] as const;

export const LlmClassification = z.object({
  intent: z.enum(INTENTS),
  confidence: z.number().min(0).max(1),
  sentiment: z.number().min(-1).max(1),
});

/**
 * Sent as JSON Schema rather than as the zod object: given zod, LangChain and the OpenAI SDK
 * validate the reply themselves and throw on a bad one, which the client then retries like a
 * network error. We validate once, here, and fall back to the rules.
 */
const CLASSIFICATION_JSON_SCHEMA: Record<string, unknown> = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(LlmClassification);
  return schema;
})();

const ReplyText = z.string().trim().min(1).max(1000);

/** Model turns per reply: a tool-happy model is cut off and the template answer is sent. */
const MAX_STEPS = 4;

export interface CustomerLlm {
  /** the model's name, recorded on the messages it writes */
  readonly modelName: string;
  classify(turn: CustomerTurn, rules: TextClassification): Promise<TextClassification>;
  /** the reply text the LLM wrote, or undefined when the template answer must be used */
  /** `data` is the turn's page's catalogue and FAQ only: the tools cannot reach another page's */
  reply(turn: CustomerTurn, plan: PlannedReply, draft: string, data: CustomerToolData, language?: string | null): Promise<string | undefined>;
}

interface LlmDeps {
  config: Config;
  logger: Logger;
  chatModel?: BaseChatModel;
}

async function openAiModel(config: Config): Promise<BaseChatModel> {
  const { ChatOpenAI } = await import('@langchain/openai');
  return new ChatOpenAI({
    apiKey: config.llm.apiKey,
    model: config.llm.model ?? 'gpt-4o-mini',
    temperature: 0,
    // A customer is waiting: one quick retry, then the template answer.
    maxRetries: 1,
    timeout: 20_000,
    useResponsesApi: false,
    ...(config.llm.baseUrl ? { configuration: { baseURL: config.llm.baseUrl } } : {}),
  });
}

const textOf = (m: BaseMessage): string =>
  typeof m.content === 'string' ? m.content : m.content.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('');

/** The LLM side, or undefined when the option is off or has no model to use. */
export function createCustomerLlm(deps: LlmDeps): CustomerLlm | undefined {
  const { config } = deps;
  if (!config.customerAgentLlm || (!deps.chatModel && !config.llm.apiKey)) return undefined;
  const log = deps.logger.child({ component: 'customer-llm' });
  let model: Promise<BaseChatModel> | undefined;
  const getModel = () => (model ??= deps.chatModel ? Promise.resolve(deps.chatModel) : openAiModel(config));

  async function classify(turn: CustomerTurn, rules: TextClassification): Promise<TextClassification> {
    // The rules are certain about these two; no need to pay for a second opinion.
    if (rules.greetingOnly || rules.intent === 'human_request' || turn.text.trim() === '') return rules;
    try {
      const structured = (await getModel()).withStructuredOutput(CLASSIFICATION_JSON_SCHEMA, { name: 'customer_intent', includeRaw: true, strict: true });
      const out = await structured.invoke([new SystemMessage(CLASSIFY_PROMPT), new HumanMessage(`<<<\n${turn.text}\n>>>`)]);
      const parsed = LlmClassification.safeParse(out.parsed);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues.slice(0, 3) }, 'llm classification invalid; using the rules');
        return rules;
      }
      // first_contact is only ever a greeting-only first message (the rules' call, made above).
      const intent = parsed.data.intent === 'first_contact' ? 'general_inquiry' : parsed.data.intent;
      return { ...parsed.data, intent, greetingOnly: false, scores: rules.scores };
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'llm classification failed; using the rules');
      return rules;
    }
  }

  async function reply(turn: CustomerTurn, plan: Plan, draft: string, data: CustomerToolData, language?: string | null): Promise<string | undefined> {
    const toolLog: ToolLog = { results: [] };
    const tools = customerTools(data, toolLog);
    const byName = new Map(tools.map((t) => [t.name, t]));
    try {
      const m = await getModel();
      if (!m.bindTools) throw new Error('the chat model cannot call tools');
      const bound = m.bindTools(tools);
      const messages: BaseMessage[] = [new SystemMessage(REPLY_PROMPT), new HumanMessage(renderCustomerMessage(turn, draft, language))];
      for (let step = 0; step < MAX_STEPS; step++) {
        const ai = await bound.invoke(messages);
        messages.push(ai);
        const calls = AIMessage.isInstance(ai) ? (ai.tool_calls ?? []) : [];
        if (calls.length === 0) {
          const text = ReplyText.safeParse(textOf(ai));
          if (!text.success) {
            log.warn({ conversationId: turn.conversationId }, 'llm reply empty or too long; template answer sent');
            return undefined;
          }
          const bad = unsupportedFacts(text.data, [draft, ...toolLog.results]);
          if (bad.length > 0) {
            log.warn({ conversationId: turn.conversationId, unsupported: bad.slice(0, 5), intent: plan.classification.intent }, 'llm reply states facts no lookup returned; template answer sent');
            return undefined;
          }
          return text.data;
        }
        for (const call of calls) {
          const t = byName.get(call.name);
          let content: string;
          try {
            content = t
              ? String(await t.invoke(call.args))
              : JSON.stringify({ error: `unknown tool ${call.name}; available: ${[...byName.keys()].join(', ')}` });
          } catch (err) {
            // arguments that do not fit the schema: the model reads why and may try again
            content = JSON.stringify({ error: err instanceof Error ? err.message : String(err) });
          }
          messages.push(new ToolMessage({ content, tool_call_id: call.id ?? '', name: call.name }));
        }
      }
      log.warn({ conversationId: turn.conversationId }, 'llm kept calling tools; template answer sent');
      return undefined;
    } catch (err) {
      log.warn({ conversationId: turn.conversationId, err: err instanceof Error ? err.message : String(err) }, 'llm reply failed; template answer sent');
      return undefined;
    }
  }

  // an injected model (tests) names itself; ChatOpenAI is named by the configured model
  const modelName = deps.chatModel ? deps.chatModel._llmType() : (config.llm.model ?? 'gpt-4o-mini');
  return { modelName, classify, reply };
}
