// Turning an assistant reply into Slack Block Kit, within Slack's documented limits. Pure: no
// Slack SDK, no I/O. Sources for every limit are in SLACK_LIMITS below.
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

/**
 * Block Kit limits this module keeps to.
 * - blocks per message 50 (modals / Home tab 100): https://docs.slack.dev/reference/block-kit/blocks
 * - section text 3000, fields ≤ 10 of ≤ 2000 each: https://docs.slack.dev/reference/block-kit/blocks/section-block
 * - text object 1..3000: https://docs.slack.dev/reference/block-kit/composition-objects/text-object
 * - context ≤ 10 elements: https://docs.slack.dev/reference/block-kit/blocks/context-block
 * - button text 75, action_id 255, value 2000: https://docs.slack.dev/reference/block-kit/block-elements/button-element
 * - message `text` is truncated by Slack above 40,000 characters: https://docs.slack.dev/reference/methods/chat.postMessage
 * - answerChars is ours, not Slack's: messages whose blocks total ~13k characters have been
 *   refused with `msg_blocks_too_long` below every documented limit (slackapi/bolt-js#2509).
 */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  messageText: 40_000,
  answerChars: 12_000,
} as const;

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

/** Invisible, and it stops `@channel` being read as the word `@channel`. */
export const MENTION_BREAK = '\u2060';
// not after a word character, so e-mail addresses such as ops@here.example stay intact
const BROADCAST = /(?<!\w)@(channel|here|everyone|group)\b/gi;

/** Makes untrusted text safe to put in a Slack message or mrkdwn text object. */
export function escapeSlackText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(BROADCAST, (_m, word: string) => `@${MENTION_BREAK}${word}`);
}

const ENTITY_TAIL = /&(?:a(?:m(?:p)?)?|l(?:t)?|g(?:t)?)?$/;

/** Where to cut `s` at or before `max` without splitting an entity (`&amp;`) or a surrogate pair. */
function safeCut(s: string, max: number): number {
  let cut = max;
  const tail = ENTITY_TAIL.exec(s.slice(Math.max(0, cut - 4), cut));
  if (tail) cut -= tail[0].length;
  const code = s.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // high surrogate: keep the pair together
  return cut > 0 ? cut : max;
}

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

/** Cuts to `max` characters, ending with an ellipsis, without splitting an entity or surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, safeCut(s, max - 1))}…`;
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
  const clipped = text.length > maxChars ? truncate(text, maxChars - TRUNCATED.length) + TRUNCATED : text;
  const figures = simpleFigures(clipped);
  if (figures && budget >= 2) {
    const blocks: SectionBlock[] = [];
    if (figures.intro) blocks.push({ type: 'section', text: mrkdwn(truncate(escapeSlackText(figures.intro), SLACK_LIMITS.sectionText)) });
    const fields = figures.fields.map((f) =>
      mrkdwn(truncate(`*${escapeSlackText(f.label)}*\n${escapeSlackText(f.value)}`, SLACK_LIMITS.fieldText)),
    );
    blocks.push({ type: 'section', fields });
    return blocks;
  }
  const chunks = splitText(escapeSlackText(clipped), SLACK_LIMITS.sectionText);
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
