// `/digest subscribe [#channel] daily|weekly|monthly [HH:MM] [timezone] [sections]`,
// `/digest list`, `/digest unsubscribe <id>`, `/digest preview [daily|weekly|monthly]`.
// Pure: the command text in, a command or a clear problem out. Slack sends a picked channel
// escaped (`<#C123|name>`, the manifest sets should_escape); raw ids (`C123`) work too.
import type { Role } from './access.ts';
import { cronFor, isFrequency, FREQUENCIES, type DigestFrequency } from './digest-schedule.ts';

export const DIGEST_SECTIONS = ['csi', 'pillars', 'volumes', 'response_times', 'bot', 'qa', 'topics', 'pipeline', 'explanation'] as const;
export type DigestSection = (typeof DIGEST_SECTIONS)[number];

// Words people type for a section.
const SECTION_WORDS: Record<string, DigestSection> = {
  csi: 'csi', pillars: 'pillars', volumes: 'volumes', volume: 'volumes', response: 'response_times', response_times: 'response_times',
  responses: 'response_times', frt: 'response_times', bot: 'bot', handoff: 'bot', containment: 'bot', qa: 'qa', topics: 'topics',
  topic: 'topics', pipeline: 'pipeline', coverage: 'pipeline', freshness: 'pipeline', explanation: 'explanation', summary: 'explanation',
};

export type DigestCommand =
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'unsubscribe'; id: number }
  | { kind: 'preview'; frequency: DigestFrequency }
  | {
      kind: 'subscribe';
      /** undefined: the channel the command was typed in */
      channel?: string;
      frequency: DigestFrequency;
      time: string;
      cron: string;
      timezone: string;
      sections: DigestSection[];
    };

export type DigestParse = { ok: true; command: DigestCommand } | { ok: false; problem: string };

export const DIGEST_USAGE =
  '`/digest subscribe [#channel] daily|weekly|monthly [HH:MM] [timezone] [sections]`, `/digest list`, `/digest unsubscribe <id>`, `/digest preview [daily|weekly|monthly]`';

const CHANNEL = /^<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>$/;
const RAW_CHANNEL = /^([CG][A-Z0-9]{6,})$/;
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** An IANA zone Intl knows (Intl is computation, not I/O). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const fail = (problem: string): DigestParse => ({ ok: false, problem });

function parseSubscribe(words: string[], defaultTimezone: string): DigestParse {
  let channel: string | undefined;
  let i = 0;
  const first = words[0];
  if (first && (first.startsWith('<#') || first.startsWith('#') || RAW_CHANNEL.test(first))) {
    channel = CHANNEL.exec(first)?.[1] ?? RAW_CHANNEL.exec(first)?.[1];
    if (!channel) return fail(`I can't tell which channel \`${first.slice(0, 40)}\` is: pick it from Slack's suggestions as you type #, or give its id (C…).`);
    i = 1;
  }
  const freq = words[i]?.toLowerCase();
  if (!isFrequency(freq)) return fail(`How often? Say ${FREQUENCIES.join(', ')}${freq ? `, not \`${freq.slice(0, 20)}\`` : ''}. Usage: ${DIGEST_USAGE}.`);
  i++;
  let time = '09:00';
  const t = words[i] !== undefined ? TIME.exec(words[i]!) : null;
  if (t) {
    time = `${t[1]!.padStart(2, '0')}:${t[2]}`;
    i++;
  } else if (words[i] !== undefined && /^\d/.test(words[i]!)) {
    return fail(`\`${words[i]!.slice(0, 20)}\` is not a time: use 24-hour HH:MM, e.g. 09:00 or 17:30.`);
  }
  let timezone = defaultTimezone;
  if (words[i] !== undefined && words[i]!.includes('/') ) {
    if (!isTimeZone(words[i]!)) return fail(`\`${words[i]!.slice(0, 40)}\` is not a timezone I know: use an IANA name such as Europe/Berlin or America/New_York.`);
    timezone = words[i]!;
    i++;
  } else if (words[i] !== undefined && words[i]!.toUpperCase() === 'UTC') {
    timezone = 'UTC';
    i++;
  }
  const rest = words.slice(i).join(' ').split(/[\s,]+/).filter(Boolean);
  const sections: DigestSection[] = [];
  for (const w of rest) {
    const s = SECTION_WORDS[w.toLowerCase()];
    if (!s) return fail(`\`${w.slice(0, 30)}\` is not a digest section; choose from ${DIGEST_SECTIONS.join(', ')} (default: all).`);
    if (!sections.includes(s)) sections.push(s);
  }
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  return {
    ok: true,
    command: {
      kind: 'subscribe',
      ...(channel ? { channel } : {}),
      frequency: freq,
      time,
      cron: cronFor(freq, hh, mm),
      timezone,
      sections: sections.length ? DIGEST_SECTIONS.filter((s) => sections.includes(s)) : [...DIGEST_SECTIONS],
    },
  };
}

/** Parses the text after `/digest`. `defaultTimezone`: the business timezone. */
export function parseDigestCommand(text: string, defaultTimezone: string): DigestParse {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  switch (verb) {
    case undefined:
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'list':
      return words.length === 1 ? { ok: true, command: { kind: 'list' } } : fail('`/digest list` takes nothing after it.');
    case 'unsubscribe': {
      const id = words[1]?.replace(/^#/, '');
      if (!id || !/^\d{1,9}$/.test(id) || words.length > 2) return fail('Say which subscription: `/digest unsubscribe <id>` (the id from `/digest list`).');
      return { ok: true, command: { kind: 'unsubscribe', id: Number(id) } };
    }
    case 'preview': {
      const f = words[1]?.toLowerCase() ?? 'daily';
      if (!isFrequency(f) || words.length > 2) return fail(`\`/digest preview\` takes daily, weekly or monthly (default daily).`);
      return { ok: true, command: { kind: 'preview', frequency: f } };
    }
    case 'subscribe':
      return parseSubscribe(words.slice(1), defaultTimezone);
    default:
      return fail(`I don't know \`${verb.slice(0, 30)}\`. Usage: ${DIGEST_USAGE}.`);
  }
}

/** Sections as stored in digest_subscriptions.content: unknown entries dropped, empty = all. */
export function sectionsOf(content: unknown): DigestSection[] {
  const list = (content as { sections?: unknown } | null)?.sections;
  if (!Array.isArray(list)) return [...DIGEST_SECTIONS];
  const known = DIGEST_SECTIONS.filter((s) => list.includes(s));
  return known.length ? known : [...DIGEST_SECTIONS];
}

/** Subscriptions are managed by team leads and admins. */
export const mayManageDigests = (role: Role): boolean => role === 'lead' || role === 'admin';
