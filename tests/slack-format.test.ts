import { describe, expect, it } from 'vitest';
import type { AssistantReply } from '../src/agents/assistant/assistant.ts';
import {
  MENTION_BREAK, SLACK_LIMITS, escapeSlackText, replyBlocks, replyFallbackText, simpleFigures, splitText, truncate,
  type Block, type ReplyBlocksOptions, type SlackReply,
} from '../src/bots/slack/format.ts';

// The agent's reply type must keep fitting what the Slack adapter reads.
const _fits: SlackReply = {} as AssistantReply;
void _fits;

const reply = (text: string, over: Partial<AssistantReply> = {}): AssistantReply => ({ text, charts: [], toolCalls: [], model: 'gpt-test', ...over });
const withSql = (text: string): AssistantReply =>
  reply(text, {
    toolCalls: [{ name: 'csi_lookup', args: {}, result: {}, sql: [{ text: 'select 1 where $1', values: [1] }] }],
  });
const opts = (over: Partial<ReplyBlocksOptions> = {}): ReplyBlocksOptions => ({
  timezone: 'Europe/Berlin', showSqlActionId: 'show_sql', sqlAvailable: true, showSqlValue: 'ans_42', ...over,
});

/** Every documented limit a message's blocks must meet (independent of the code under test). */
function limitProblems(blocks: Block[]): string[] {
  const p: string[] = [];
  if (blocks.length > 50) p.push(`${blocks.length} blocks`);
  for (const [i, b] of blocks.entries()) {
    if (b.type === 'section') {
      if (!b.text && !b.fields) p.push(`${i}: section without text or fields`);
      if (b.text && (b.text.text.length < 1 || b.text.text.length > 3000)) p.push(`${i}: section text ${b.text.text.length}`);
      if (b.fields && (b.fields.length > 10 || b.fields.some((f) => f.text.length < 1 || f.text.length > 2000))) p.push(`${i}: fields`);
    } else if (b.type === 'context') {
      if (b.elements.length > 10 || b.elements.some((e) => e.text.length < 1 || e.text.length > 3000)) p.push(`${i}: context`);
    } else {
      for (const e of b.elements) {
        if (e.text.text.length > 75 || e.action_id.length > 255 || (e.value !== undefined && e.value.length > 2000)) p.push(`${i}: button`);
      }
    }
  }
  return p;
}

const texts = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.type === 'section' ? [...(b.text ? [b.text] : []), ...(b.fields ?? [])] : b.type === 'context' ? b.elements : []));

describe('escapeSlackText', () => {
  it("escapes Slack's three control characters, and only those", () => {
    expect(escapeSlackText('Hello & <world> "quoted" \'single\' *bold* 🌊')).toBe('Hello &amp; &lt;world&gt; "quoted" \'single\' *bold* 🌊');
    // already-escaped input is text too: it must display as typed
    expect(escapeSlackText('&amp; &lt;')).toBe('&amp;amp; &amp;lt;');
  });

  it('cannot produce mentions, broadcasts or disguised links', () => {
    for (const attack of ['<!channel>', '<!here>', '<!everyone>', '<@U024BE7LH>', '<#C024BE7LR|general>', '<!subteam^S123|@team>', '<http://evil.example|https://bank.example>', '<!date^1392734382^{date}|x>']) {
      const out = escapeSlackText(attack);
      expect(out, attack).not.toMatch(/[<>]/);
      expect(out.startsWith('&lt;')).toBe(true);
    }
  });

  it('breaks bare @channel, @here, @everyone (any case), leaving e-mail addresses and other words alone', () => {
    expect(escapeSlackText('ping @channel and @Here, @EVERYONE!')).toBe(`ping @${MENTION_BREAK}channel and @${MENTION_BREAK}Here, @${MENTION_BREAK}EVERYONE!`);
    expect(escapeSlackText('(@here)')).toBe(`(@${MENTION_BREAK}here)`);
    expect(escapeSlackText('ops@here.example @channels @hereafter @anna')).toBe('ops@here.example @channels @hereafter @anna');
    // the break is invisible: nothing else changes
    expect(escapeSlackText('@here').replace(MENTION_BREAK, '')).toBe('@here');
  });
});

describe('splitText', () => {
  it('keeps short text whole and drops blank input', () => {
    expect(splitText('one\ntwo', 100)).toEqual(['one\ntwo']);
    expect(splitText('', 100)).toEqual([]);
    expect(splitText(' \n\n  ', 100)).toEqual([]);
  });

  it('splits at line ends, each chunk within the limit, losing nothing', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i % 7)}`);
    const text = lines.join('\n');
    const chunks = splitText(text, 60);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(60);
    expect(chunks.join('\n')).toBe(text);
    // no line was cut
    for (const c of chunks) for (const l of c.split('\n')) expect(lines).toContain(l);
  });

  it('uses exactly the limit when lines fill it', () => {
    const a = 'a'.repeat(40);
    expect(splitText(`${a}\n${a}`, 81)).toEqual([`${a}\n${a}`]);
    expect(splitText(`${a}\n${a}`, 80)).toEqual([a, a]);
  });

  it('breaks an over-long line at spaces, else without cutting an entity or a surrogate pair', () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const chunks = splitText(words, 100);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(100);
    expect(chunks.join(' ')).toBe(words);

    const entities = escapeSlackText('&'.repeat(300)); // "&amp;" × 300, no spaces
    for (const c of splitText(entities, 64)) {
      expect(c).toMatch(/^(&amp;)+$/);
      expect(c.length).toBeLessThanOrEqual(64);
    }
    const emoji = '📈'.repeat(100);
    const parts = splitText(emoji, 33);
    expect(parts.join('')).toBe(emoji);
    for (const p of parts) expect(p).toMatch(/^(📈)+$/u);
  });

  it('closes and reopens a code block that is cut in two', () => {
    const code = ['Here is the query:', '```', ...Array.from({ length: 12 }, (_, i) => `select ${i} as n${i}`), '```', 'Done.'].join('\n');
    const chunks = splitText(code, 80);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(80);
      expect((c.match(/```/g) ?? []).length % 2, c).toBe(0);
    }
    expect(chunks.at(-1)).toMatch(/Done\.$/);
  });

  it('keeps its invariants on random text', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'b', ' ', '\n', '&', '<', '>', '📈', 'é', '```', '\n\n', 'word '];
    for (let round = 0; round < 200; round++) {
      const limit = 32 + Math.floor(rand() * 200);
      const raw = Array.from({ length: Math.floor(rand() * 800) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const chunks = splitText(escapeSlackText(raw), limit);
      for (const c of chunks) {
        expect(c.length).toBeLessThanOrEqual(limit);
        expect(c.trim()).not.toBe('');
        // no entity cut at either end: every & starts a whole entity, every ; ends one (the alphabet has no ;)
        expect(c).not.toMatch(/&(?!amp;|lt;|gt;)/);
        expect(c).not.toMatch(/(?<!&amp|&lt|&gt);/);
        expect(c).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }
    }
  });

  it('rejects unusable limits', () => {
    expect(() => splitText('x', 10)).toThrow(RangeError);
    expect(() => splitText('x', 100.5)).toThrow(RangeError);
  });
});

describe('truncate', () => {
  it('adds an ellipsis within the length and never leaves half an entity', () => {
    expect(truncate('short', 10)).toBe('short');
    const t = truncate(escapeSlackText('a & b & c & d'), 10);
    expect(t.length).toBeLessThanOrEqual(10);
    expect(t.endsWith('…')).toBe(true);
    expect(t).not.toMatch(/&(?!amp;)/);
  });
});

describe('simpleFigures', () => {
  it('recognises a short list of labelled numbers, with an optional intro', () => {
    expect(simpleFigures('Last week (Europe/Berlin):\n- CSI: 82.4\n- Median first response: 2 min 10 s\n- **Conversations**: 1,204')).toEqual({
      intro: 'Last week (Europe/Berlin):',
      fields: [
        { label: 'CSI', value: '82.4' },
        { label: 'Median first response', value: '2 min 10 s' },
        { label: 'Conversations', value: '1,204' },
      ],
    });
    expect(simpleFigures('• *CSI:* 80.1\n• Bot containment: 41 %')?.fields.map((f) => f.label)).toEqual(['CSI', 'Bot containment']);
  });

  it('leaves prose, single figures, long lists and non-numbers to plain text', () => {
    expect(simpleFigures('CSI was 82.4 last week, up from 80.1.')).toBeUndefined();
    expect(simpleFigures('CSI: 82.4')).toBeUndefined();
    expect(simpleFigures('Top topic: billing\nSecond: delivery')).toBeUndefined();
    expect(simpleFigures(Array.from({ length: 11 }, (_, i) => `Agent ${i}: ${i}`).join('\n'))).toBeUndefined();
    expect(simpleFigures('CSI: 82.4\nTickets: 10\nThat is all, thanks for asking about it.')).toBeUndefined();
  });
});

describe('replyBlocks', () => {
  it('renders the answer, a context line and a Show SQL button', () => {
    const blocks = replyBlocks(withSql('CSI last week was *82.4*.'), opts({ periodLabel: 'last week (Mon 9 Nov – Sun 15 Nov 2026)' }));
    expect(blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'CSI last week was *82.4*.', verbatim: true } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Period: last week (Mon 9 Nov – Sun 15 Nov 2026) · Timezone: Europe/Berlin · Model: gpt-test', verbatim: true }],
      },
      { type: 'actions', elements: [{ type: 'button', action_id: 'show_sql', text: { type: 'plain_text', text: 'Show SQL', emoji: false }, value: 'ans_42' }] },
    ]);
  });

  it('offers Show SQL only when SQL ran and may be shown', () => {
    const hasButton = (b: Block[]) => b.some((x) => x.type === 'actions');
    expect(hasButton(replyBlocks(withSql('x'), opts()))).toBe(true);
    expect(hasButton(replyBlocks(withSql('x'), opts({ sqlAvailable: false })))).toBe(false);
    expect(hasButton(replyBlocks(reply('x', { toolCalls: [{ name: 'chart', args: {}, result: {}, sql: [] }] }), opts()))).toBe(false);
    const noValue = replyBlocks(withSql('x'), opts({ showSqlValue: undefined })).find((x) => x.type === 'actions');
    expect(noValue).toEqual({ type: 'actions', elements: [{ type: 'button', action_id: 'show_sql', text: { type: 'plain_text', text: 'Show SQL', emoji: false } }] });
  });

  it('escapes the answer and the context so nothing in them can ping or disguise a link', () => {
    const evil = 'Customer wrote: <!channel> see <http://evil.example|your bank> & ping @here';
    const blocks = replyBlocks(reply(evil, { model: '<!everyone>' }), opts({ periodLabel: '<@U1>', timezone: 'UTC' }));
    for (const t of texts(blocks)) {
      expect(t.text).not.toMatch(/[<>]/);
      expect(t.text).not.toMatch(/(?<!\w)@(here|channel|everyone)\b/);
      expect(t).toMatchObject({ type: 'mrkdwn', verbatim: true });
    }
    expect(replyFallbackText(reply(evil))).not.toMatch(/[<>]|@here/);
  });

  it('shows a short list of figures as fields', () => {
    const blocks = replyBlocks(withSql('Last week:\n- CSI: 82.4\n- Median first response: 2 min 10 s'), opts());
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Last week:', verbatim: true } });
    expect(blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*CSI*\n82.4', verbatim: true },
        { type: 'mrkdwn', text: '*Median first response*\n2 min 10 s', verbatim: true },
      ],
    });
    expect(limitProblems(blocks)).toEqual([]);
  });

  it('splits a long answer into sections and shortens one that would not fit', () => {
    const para = (i: number) => `Paragraph ${i}: ${'lorem ipsum & dolor <sit> '.repeat(20)}`;
    const long = Array.from({ length: 30 }, (_, i) => para(i)).join('\n\n');
    const blocks = replyBlocks(withSql(long), opts({ maxAnswerChars: 100_000 }));
    expect(limitProblems(blocks)).toEqual([]);
    expect(blocks.filter((b) => b.type === 'section').length).toBeGreaterThan(3);

    const huge = 'x '.repeat(200_000);
    const capped = replyBlocks(withSql(huge), opts({ maxAnswerChars: 10 ** 7 }));
    expect(capped).toHaveLength(50);
    expect(limitProblems(capped)).toEqual([]);
    expect(capped.at(-3)).toMatchObject({ type: 'section', text: { text: expect.stringMatching(/answer shortened for Slack\._$/) } });

    const byDefault = replyBlocks(withSql(huge), opts());
    const chars = texts(byDefault).reduce((n, t) => n + t.text.length, 0);
    expect(chars).toBeLessThan(SLACK_LIMITS.answerChars + 500);
    expect(texts(byDefault).some((t) => t.text.endsWith('answer shortened for Slack._'))).toBe(true);
  });

  it('says so when there is no answer text, and mentions charts in the context', () => {
    const blocks = replyBlocks(reply('  ', { charts: [{ title: 'CSI', png: Buffer.alloc(1) }, { title: 'FRT', png: Buffer.alloc(1) }] }), opts());
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '_No answer._', verbatim: true } });
    expect(blocks[1]).toMatchObject({ type: 'context', elements: [{ text: 'Timezone: Europe/Berlin · 2 charts attached · Model: gpt-test' }] });
    expect(replyFallbackText(reply(''))).toBe('No answer.');
  });

  it('refuses an action_id or button value Slack would reject', () => {
    expect(() => replyBlocks(withSql('x'), opts({ showSqlActionId: 'a'.repeat(256) }))).toThrow(RangeError);
    expect(() => replyBlocks(withSql('x'), opts({ showSqlActionId: '' }))).toThrow(RangeError);
    expect(() => replyBlocks(withSql('x'), opts({ showSqlValue: 'v'.repeat(2001) }))).toThrow(RangeError);
    // not checked when no button is rendered
    expect(() => replyBlocks(reply('x'), opts({ showSqlActionId: '' }))).not.toThrow();
  });
});
