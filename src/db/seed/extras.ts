import { PAGES } from './catalog.ts';
import { DAY, HOUR } from './clock.ts';
import { Rng, deriveSeed } from './random.ts';

// The small tables around the conversations: reply templates and automation error logs.

export interface GenTemplate {
  pageId: number | null;
  name: string;
  messageType: string;
  body: string;
  variables: string[];
  active: boolean;
  usageCount: number;
  successCount: number;
  createdAt: number;
  updatedAt: number;
}

export interface GenErrorLog {
  source: string;
  message: string;
  context: Record<string, unknown>;
  at: number;
}

const TEMPLATE_BODIES: readonly (readonly [string, string])[] = [
  ['first_contact', 'Hi {{customer_name}}! Thanks for messaging {{page_name}}. How can I help you today?'],
  ['price_inquiry', 'The {{product}} is {{price}}. Orders over $50 ship free.'],
  ['availability_check', 'The {{product}} is {{stock_status}}. Want me to reserve one for you?'],
  ['shipping_question', 'Order {{order_id}} is {{shipping_status}}. Track it here: {{tracking_url}}'],
  ['return_request', 'You can return items within 30 days. Your return label for {{order_id}}: {{label_url}}'],
  ['complaint', 'I am really sorry about this, {{customer_name}}. I have opened case {{case_id}} for you.'],
  ['human_request', 'I am connecting you with a teammate; they usually reply within {{wait_time}}.'],
  ['account_issue', 'You can reset your password here: {{reset_url}}. The link is valid for 1 hour.'],
  ['gratitude', 'You are welcome, {{customer_name}}! Anything else I can help with?'],
];

const variablesOf = (body: string): string[] => [...body.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!);

export function generateTemplates(seed: number, now: Date): GenTemplate[] {
  const rng = new Rng(deriveSeed(seed, -1));
  const end = now.getTime();
  const out: GenTemplate[] = [];
  for (const page of [...PAGES, null]) {
    for (const [messageType, body] of TEMPLATE_BODIES) {
      // The shared (page-less) set only covers what every page says the same way.
      if (page === null && !['human_request', 'gratitude', 'account_issue'].includes(messageType)) continue;
      const usageCount = rng.int(40, 4000);
      const text = page ? body.replace('{{page_name}}', page.name) : body;
      out.push({
        pageId: page?.id ?? null,
        name: `${page?.key ?? 'shared'}_${messageType}`,
        messageType,
        body: text,
        variables: variablesOf(text),
        active: rng.chance(0.9),
        usageCount,
        successCount: Math.round(usageCount * (0.55 + rng.next() * 0.4)),
        createdAt: end - 120 * DAY + rng.int(0, 20) * DAY,
        updatedAt: end - rng.int(0, 30) * DAY - rng.int(0, 23) * HOUR,
      });
    }
  }
  return out;
}

type ErrorMaker = (rng: Rng) => Omit<GenErrorLog, 'at'>;
const page = (rng: Rng) => rng.pick(PAGES);
const ERRORS: readonly (readonly [number, ErrorMaker])[] = [
  [0.3, (rng) => {
    const p = page(rng);
    return { source: 'messenger.send', message: `Send API returned error 613 (calls to this API have exceeded the rate limit) for page ${p.fbPageId}`, context: { pageId: p.fbPageId, code: 613, retryInMs: rng.int(1, 30) * 1000 } };
  }],
  [0.2, (rng) => ({ source: 'agent.llm', message: 'Chat model request timed out after 30000 ms; answered with the fallback reply', context: { model: 'gpt-4o-mini', attempt: rng.int(1, 3), timeoutMs: 30000 } })],
  [0.15, (rng) => {
    const p = page(rng);
    return { source: 'messenger.webhook', message: 'Rejected webhook delivery: X-Hub-Signature-256 does not match the payload', context: { pageId: p.fbPageId, bytes: rng.int(300, 4000) } };
  }],
  [0.15, (rng) => ({ source: 'jobs.analysis', message: 'Scorer returned output that failed validation; batch will be retried', context: { jobId: rng.int(1, 900), field: rng.pick(['sentimentScore', 'ces', 'fcrScore']), attempt: rng.int(1, 3) } })],
  [0.1, (rng) => ({ source: 'slack.events', message: 'chat.postMessage failed: channel_not_found', context: { channel: `C0${rng.int(10000000, 99999999)}`, kind: 'digest' } })],
  [0.1, (rng) => ({ source: 'import', message: `Rejected ${rng.int(1, 40)} rows: missing social_create_time`, context: { uploadId: rng.int(1, 50), format: rng.pick(['csv', 'jsonl']) } })],
];
const ERROR_WEIGHTS: Record<string, number> = Object.fromEntries(ERRORS.map(([w], i) => [String(i), w]));

/** A few dozen errors spread over the period, newest last. */
export function generateErrorLogs(seed: number, now: Date, spanDays: number): GenErrorLog[] {
  const rng = new Rng(deriveSeed(seed, -2));
  const end = now.getTime();
  const count = rng.int(50, 80);
  const out: GenErrorLog[] = [];
  for (let i = 0; i < count; i++) {
    const make = ERRORS[Number(rng.weighted(ERROR_WEIGHTS))]![1];
    out.push({ ...make(rng), at: end - Math.floor(rng.next() * spanDays * DAY) });
  }
  return out.sort((a, b) => a.at - b.at);
}
