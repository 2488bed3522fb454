import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type pg from 'pg';
import type { AgentDecision, CustomerAgent, CustomerTurn, WrittenBy } from '../../domain/messenger/contracts.ts';
import type { Config } from '../../config.ts';
import { activeTemplates, seedTemplates } from '../../db/templates-repo.ts';
import { matchFaq, matchProducts, productsInContext } from '../../domain/customer/catalogue.ts';
import { classifyTurn, decide, renderPlan, type Plan } from '../../domain/customer/decide.ts';
import { withDisclosure } from '../../domain/customer/disclosure.ts';
import { outOfHoursNotice } from '../../domain/business-hours.ts';
import { DEFAULT_TEMPLATES } from '../../domain/customer/templates.ts';
import { sharedRead } from '../../db/coalesce.ts';
import type { Logger } from '../../logger.ts';
import { catalogueCache } from './catalogue-cache.ts';
import { createCustomerLlm, type CustomerLlm } from './llm.ts';

// The customer agent: what the bot answers a Messenger customer, or that a human takes over.
// Offline it classifies with the rules in src/domain/customer, looks the catalogue and FAQ up,
// and answers from MessageTemplates. With CUSTOMER_AGENT_LLM and an OpenAI key, the LLM
// classifies and words the reply (llm.ts), but the decision to hand off, the facts (prices,
// stock, FAQ answers) and the fallback stay the rules' and the catalogue's.

export interface CustomerAgentDeps {
  pool: pg.Pool;
  config: Config;
  logger: Logger;
  /** the LLM to use when CUSTOMER_AGENT_LLM is on (tests inject one); default ChatOpenAI from config */
  chatModel?: BaseChatModel;
  /** the clock the page's business hours are read against (tests pin it) */
  now?: () => Date;
}

const TEMPLATE_NAMES = DEFAULT_TEMPLATES.map((t) => t.name);

/** Messenger rejects texts over 2,000 characters. */
const MAX_TEXT = 2000;

/** `writtenBy`: the template the text came from, or the LLM that rewrote the template's draft. */
function toDecision(plan: Plan, text: string, writtenBy: WrittenBy): AgentDecision {
  const body = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
  if (plan.kind === 'handoff') return { kind: 'handoff', reason: plan.reason, text: body, classification: plan.classification, writtenBy };
  return {
    kind: 'reply',
    text: body,
    ...(plan.quickReplies ? { quickReplies: plan.quickReplies } : {}),
    classification: plan.classification,
    unsure: plan.unsure,
    ...(writtenBy.kind === 'template' ? { templateName: writtenBy.template } : {}),
    writtenBy,
  };
}

export function createCustomerAgent(deps: CustomerAgentDeps): CustomerAgent {
  const { pool, logger } = deps;
  const llm: CustomerLlm | undefined = createCustomerLlm(deps);
  const log = logger.child({ component: 'customer-agent' });
  if (deps.config.customerAgentLlm && !llm) log.warn('CUSTOMER_AGENT_LLM is set but OPENAI_API_KEY is not: customer replies come from templates');

  const catalogue = catalogueCache(pool);
  // every template of the turn's page in one read, shared by the turns of that page answered
  // together (each still reads after it began: an edit is seen on the next turn)
  const templatesOf = sharedRead((key) => activeTemplates(pool, TEMPLATE_NAMES, key === '' ? null : Number(key)));
  // The default templates are put in the table on first use (missing names only), so a team
  // finds them there to reword on any deployment, demo data or not.
  let templatesReady: Promise<void> | undefined;
  const ensureTemplates = () =>
    (templatesReady ??= seedTemplates(pool, DEFAULT_TEMPLATES).then(
      (n) => void (n > 0 && log.info({ inserted: n }, 'default customer templates added')),
      (err: unknown) => {
        templatesReady = undefined; // try again next turn; the built-in texts answer meanwhile
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not add the default customer templates');
      },
    ));

  return {
    async respond(turn: CustomerTurn): Promise<AgentDecision> {
      await ensureTemplates();
      // brand per page: the catalogue, FAQ, templates and greeting of the turn's page (its own, then the defaults)
      const { products, index, faq, page } = await catalogue(turn.pageId);
      const rules = classifyTurn(turn);
      // A payload the bot sent itself is certain; the LLM only reads free text.
      const classification = llm && !turn.payload ? await llm.classify(turn, rules) : rules;
      const plan = decide({
        turn,
        classification,
        products: matchProducts(turn.text, index),
        contextProducts: productsInContext(turn.history, index),
        faq: matchFaq(turn.text, faq),
      });
      const stored = (await templatesOf(page.pageId === null ? '' : String(page.pageId))).get(plan.template);
      const body = plan.template === 'greeting' && page.greeting ? page.greeting : stored?.body;
      const rendered = renderPlan(plan, body);
      let text = rendered.text;
      let writtenBy: WrittenBy = { kind: 'template', template: plan.template };
      if (llm && plan.kind === 'reply') {
        const written = await llm.reply(turn, plan, text, { products, index, faq }, page.language);
        if (written) {
          text = written;
          writtenBy = { kind: 'llm', model: llm.modelName, draft: plan.template };
        }
      }
      // handed off outside the page's hours: the customer is told when people are back
      const away = plan.kind === 'handoff' && page.hours
        ? outOfHoursNotice({ hours: page.hours.hours, timeZone: page.hours.timeZone ?? deps.config.businessTimezone, text: page.hours.text }, (deps.now ?? (() => new Date()))())
        : undefined;
      if (away) text = `${text}\n\n${away}`;
      const fromTemplate = writtenBy.kind === 'template';
      if (turn.disclosure) text = withDisclosure(turn.disclosure, text);
      const decision = toDecision(plan, text, writtenBy);
      log.debug(
        { conversationId: turn.conversationId, intent: plan.classification.intent, kind: plan.kind, template: plan.template, llm: !fromTemplate },
        'customer turn decided',
      );
      return decision;
    },
  };
}
