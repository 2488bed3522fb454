// Turning an assistant reply into Slack Block Kit, within Slack's documented limits. Pure: no
// Slack SDK, no I/O. The limits, with their sources, are in src/domain/block-kit.ts.
//
// Safety: the answer is model output that may quote customers, so it is treated as untrusted
// text. `&`, `<` and `>` are Slack's control characters (https://docs.slack.dev/messaging/formatting-message-text#escaping):
// escaping them means no `<!channel>`, `<@U123>`, `<!subteam^…>` or disguised link
// `<http://evil|bank>` can come out of it. Text objects are also sent with `verbatim: true`, which
// stops Slack's automatic parsing of plain text (https://docs.slack.dev/reference/block-kit/composition-objects/text-object),
// and bare `@channel`/`@here`/`@everyone` get an invisible character after the `@` in case some
// path (the notification `text`, `link_names`) still parses them. mrkdwn *formatting* is kept.

/**
 * What this module reads of an assistant reply (src/agents/assistant/assistant.ts `AssistantReply`
 * is assignable to it); kept structural so the adapter does not depend on the agent's internals.
 */
export interface SlackReply {
  text: string;
  charts: readonly unknown[];
  toolCalls: readonly { sql: readonly unknown[] }[];
  model: string;
}

// The limits, escaping and cutting are the one Block Kit layer's (src/domain/block-kit.ts);
// re-exported so the Slack adapter has one place to import them from.
export { escapeSlackText, MENTION_BREAK, SLACK_LIMITS, truncate } from '../../domain/block-kit.ts';
import { escapeSlackText, safeCut, SLACK_LIMITS, truncate } from '../../domain/block-kit.ts';

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export type TextObject = MrkdwnText | PlainText;

export interface SectionBlock {
  type: 'section';
  text?: TextObject;
  fields?: TextObject[];
}
export interface ContextBlock {
  type: 'context';
  elements: TextObject[];
}
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
}
export interface ActionsBlock {
  type: 'actions';
  elements: ButtonElement[];
}
export type Block = SectionBlock | ContextBlock | ActionsBlock;

/** Splits one line longer than `max` at spaces where possible. */
function breakLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const cut = space > max / 2 ? space : safeCut(rest, max);
    out.push(rest.slice(0, cut));
    rest = rest.slice(space > max / 2 ? cut + 1 : cut);
  }
  out.push(rest);
  return out;
}

const FENCE = '```';
const toggles = (line: string) => (line.split(FENCE).length - 1) % 2 === 1;

/**
 * Splits text into chunks of at most `limit` characters, at line ends where possible (a line
 * longer than the limit is broken at spaces, else anywhere but inside `&amp;` or a surrogate
 * pair). A ``` code block cut in two is closed and reopened so both halves still render as code.
 * Blank chunks are dropped; the result is empty for blank input.
 */
export function splitText(s: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 32) throw new RangeError('splitText: limit must be an integer ≥ 32');
  const reopen = `${FENCE}\n`;
  const close = `\n${FENCE}`;
  const chunks: string[] = [];
  let cur: string | undefined;
  let inFence = false; // inside a code block at the end of `cur`
  const flush = (next: string) => {
    if (cur !== undefined) chunks.push(inFence ? `${cur}${close}` : cur);
    cur = inFence ? `${reopen}${next}` : next;
  };
  for (const line of s.replace(/\r\n?/g, '\n').split('\n')) {
    // pieces of one over-long line never share a chunk: joining them would add a line break
    for (const [i, piece] of breakLine(line, limit - reopen.length - close.length).entries()) {
      const after: boolean = toggles(piece) ? !inFence : inFence;
      const candidate = cur === undefined ? piece : `${cur}\n${piece}`;
      if (i === 0 && candidate.length + (after ? close.length : 0) <= limit) cur = candidate;
      else flush(piece);
      inFence = after;
    }
  }
  if (cur !== undefined) chunks.push(cur);
  return chunks.filter((c) => c.split(FENCE).join('').trim() !== '');
}

const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text, verbatim: true });

// "Label: value" lines with a number in the value, as the assistant writes figures.
const FIGURE = /^\s*(?:[-•*]\s+)?([^:\n]{1,60}?):[*_]*\s+(\S.{0,99})$/;

export interface Figures {
  intro: string;
  fields: { label: string; value: string }[];
}

/**
 * A short answer that is an optional sentence followed only by 2–10 "Label: value" lines whose
 * values contain a digit, e.g. "CSI: 82.4" or "- Median first response: 2 min 10 s".
 */
export function simpleFigures(text: string): Figures | undefined {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  const first = lines.findIndex((l) => FIGURE.test(l));
  if (first < 0 || first > 2) return undefined;
  const rest = lines.slice(first);
  if (rest.length < 2 || rest.length > SLACK_LIMITS.sectionFields) return undefined;
  const fields: Figures['fields'] = [];
  for (const line of rest) {
    const m = FIGURE.exec(line);
    if (!m?.[1] || !m[2] || !/\d/.test(m[2])) return undefined;
    fields.push({ label: m[1].replace(/^[*_~\s]+|[*_~\s]+$/g, ''), value: m[2].trim() });
  }
  if (fields.some((f) => f.label === '')) return undefined;
  return { intro: lines.slice(0, first).join('\n'), fields };
}

export interface ReplyBlocksOptions {
  /** the reporting period, e.g. "last week (Mon 9 Nov – Sun 15 Nov 2026)" */
  periodLabel?: string;
  /** the business timezone the figures are in */
  timezone: string;
  /** action_id of the "Show SQL" button (≤ 255 characters) */
  showSqlActionId: string;
  /** whether the SQL of this answer can be shown (stored and the user may see it) */
  sqlAvailable: boolean;
  /** the button's value, e.g. a reference to the stored answer (≤ 2000 characters; keep it small) */
  showSqlValue?: string;
  /** answer characters to render at most (default SLACK_LIMITS.answerChars) */
  maxAnswerChars?: number;
}

const TRUNCATED = '\n_… answer shortened for Slack._';

function answerBlocks(text: string, budget: number, maxChars: number): SectionBlock[] {
  // a short list of figures is read from the text as written; everything else is escaped first
  // and only then measured and cut, since Slack counts `&amp;` as five characters
  const figures = text.length <= maxChars ? simpleFigures(text) : undefined;
  if (figures && budget >= 2) {
    const blocks: SectionBlock[] = [];
    if (figures.intro) blocks.push({ type: 'section', text: mrkdwn(truncate(escapeSlackText(figures.intro), SLACK_LIMITS.sectionText)) });
    const fields = figures.fields.map((f) =>
      mrkdwn(truncate(`*${escapeSlackText(f.label)}*\n${escapeSlackText(f.value)}`, SLACK_LIMITS.fieldText)),
    );
    blocks.push({ type: 'section', fields });
    return blocks;
  }
  const escaped = escapeSlackText(text);
  const clipped = escaped.length > maxChars ? truncate(escaped, maxChars - TRUNCATED.length) + TRUNCATED : escaped;
  const chunks = splitText(clipped, SLACK_LIMITS.sectionText);
  if (chunks.length === 0) chunks.push('_No answer._');
  if (chunks.length > budget) {
    chunks.length = budget;
    const last = chunks[budget - 1] ?? '';
    chunks[budget - 1] = truncate(last, SLACK_LIMITS.sectionText - TRUNCATED.length) + TRUNCATED;
  }
  return chunks.map((c) => ({ type: 'section', text: mrkdwn(c) }));
}

function contextLine(reply: SlackReply, opts: ReplyBlocksOptions): ContextBlock {
  const parts = [
    opts.periodLabel ? `Period: ${opts.periodLabel}` : undefined,
    `Timezone: ${opts.timezone}`,
    reply.charts.length > 0 ? `${reply.charts.length} chart${reply.charts.length === 1 ? '' : 's'} attached` : undefined,
    `Model: ${reply.model}`,
  ].filter((p): p is string => p !== undefined);
  return { type: 'context', elements: [mrkdwn(truncate(escapeSlackText(parts.join(' · ')), SLACK_LIMITS.sectionText))] };
}

function showSqlButton(opts: ReplyBlocksOptions): ActionsBlock {
  const { showSqlActionId: actionId, showSqlValue: value } = opts;
  if (actionId.length < 1 || actionId.length > SLACK_LIMITS.actionId) throw new RangeError(`replyBlocks: action_id must be 1–${SLACK_LIMITS.actionId} characters`);
  if (value !== undefined && (value.length < 1 || value.length > SLACK_LIMITS.buttonValue)) {
    throw new RangeError(`replyBlocks: button value must be 1–${SLACK_LIMITS.buttonValue} characters`);
  }
  const button: ButtonElement = { type: 'button', action_id: actionId, text: { type: 'plain_text', text: 'Show SQL', emoji: false } };
  if (value !== undefined) button.value = value;
  return { type: 'actions', elements: [button] };
}

/** Whether any tool call of the reply ran SQL. */
export const replyHasSql = (reply: SlackReply): boolean => reply.toolCalls.some((c) => c.sql.length > 0);

/**
 * Block Kit for an assistant reply: the answer (escaped mrkdwn sections, or a fields section when
 * it is a short list of figures), a context line (period · timezone · charts · model) and, when the
 * reply ran SQL and `sqlAvailable`, a "Show SQL" button. At most 50 blocks; the answer is
 * shortened (and says so) when it would not fit.
 */
export function replyBlocks(reply: SlackReply, opts: ReplyBlocksOptions): Block[] {
  const trailer: Block[] = [contextLine(reply, opts)];
  if (opts.sqlAvailable && replyHasSql(reply)) trailer.push(showSqlButton(opts));
  const budget = SLACK_LIMITS.blocksPerMessage - trailer.length;
  const maxChars = Math.max(TRUNCATED.length + 32, opts.maxAnswerChars ?? SLACK_LIMITS.answerChars);
  return [...answerBlocks(reply.text, budget, maxChars), ...trailer];
}

/**
 * The top-level `text` to send with the blocks: Slack shows it in notifications and screen readers
 * read it, so it carries the (escaped) answer, within the message text limit.
 */
export function replyFallbackText(reply: SlackReply): string {
  const text = escapeSlackText(reply.text.trim()) || 'No answer.';
  return truncate(text, SLACK_LIMITS.messageText);
}
