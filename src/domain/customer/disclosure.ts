// The first bot message of a conversation tells the customer they are talking to an automated
// assistant and how to reach a person (issue 19; Meta's and most consumer-protection rules
// expect it). A page may word it itself (pages.bot_disclosure); this is the default.

import { renderTemplate } from './templates.ts';

/** Messenger rejects texts over 2,000 characters. */
const MAX_TEXT = 2000;

/** "talk to a person" is what the classifier reads as a request for a human (classify.ts). */
export const DEFAULT_DISCLOSURE = 'You are chatting with the automated assistant of {{page_name}}. To reach a person from our team at any time, write "talk to a person".';

/** The disclosure for a page: its own text or the default, with {{page_name}} filled in. */
export function disclosureFor(page: { name: string | null; custom: string | null }): string {
  const vars: Record<string, string> = page.name ? { page_name: page.name } : {};
  // a custom text with a variable we do not have falls back to the default
  for (const body of [page.custom?.trim() ? page.custom : undefined, page.name ? DEFAULT_DISCLOSURE : undefined]) {
    const r = body === undefined ? undefined : renderTemplate(body, vars);
    if (r && 'text' in r) return r.text;
  }
  return DEFAULT_DISCLOSURE.replace(' of {{page_name}}', '');
}

/** The reply with the disclosure first; the reply is shortened, never the disclosure. */
export function withDisclosure(disclosure: string, reply: string): string {
  const room = MAX_TEXT - disclosure.length - 2;
  const body = reply.length > room ? `${reply.slice(0, Math.max(0, room - 1))}…` : reply;
  return `${disclosure}\n\n${body}`;
}
