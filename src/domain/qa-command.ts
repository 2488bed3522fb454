// `/qa …` as typed in Slack, read into one of a few shapes. Pure: text in, a command out; the
// caller resolves page names, periods and sessions. Notes and feedback keep the user's own
// line breaks (everything after the session id).

import { LOWCONF_DEFAULT } from './classification-review.ts';
import type { QaStatus } from './qa.ts';

/** Sessions listed by `/qa queue` when no number is given, and the most one message holds. */
export const QUEUE_DEFAULT = 5;
export const QUEUE_MAX = 15;

export type QaTarget = Extract<QaStatus, 'passed' | 'issue' | 'fixed'>;

export type QaCommand =
  | { kind: 'help'; problem?: string }
  /**
   * `queue [risky] [n] [page]`: `page` is a page number when it is a number, else a Messenger page
   * name; `risky` ranks by risk (domain/qa-risk.ts) instead of oldest first
   */
  | { kind: 'queue'; limit: number; pageNumber: number; pageName?: string; order?: 'risk' }
  | { kind: 'show'; sessionId: number }
  /** `pass <id> [notes]`, `issue <id> <notes>`, `fixed <id> <feedback>`; text absent = ask for it */
  | { kind: 'change'; to: QaTarget; sessionId: number; text?: string }
  | { kind: 'stats'; periodText?: string }
  /** `review <id>`: the scorecard modal for the session (domain/qa-scorecard.ts) */
  | { kind: 'review'; sessionId: number }
  /** `dispute <id> [reason]`: disputes the session's most recently changed scorecard review; the reason is required */
  | { kind: 'dispute'; sessionId: number; reason?: string }
  /** `disputes`: the open disputes, for leads to accept or reject */
  | { kind: 'disputes' }
  /** `calibrate <session>`: a lead starts a calibration on the session */
  | { kind: 'calibrate'; sessionId: number }
  /** `calibration <id>`: score it (open) or read its agreement (closed); `calibration <id> close`: a lead closes it */
  | { kind: 'calibration'; calibrationId: number; close?: true }
  /** `rules`, `rules add <rule>`, `rules remove <id>`: sampling rules (domain/qa-sampling.ts); leads change them */
  | { kind: 'rules'; action: 'list' }
  | { kind: 'rules'; action: 'add'; text: string }
  | { kind: 'rules'; action: 'remove'; ruleId: number }
  /** `queue mine`: the asker's open assignments, soonest due first */
  | { kind: 'assigned' }
  /** `workload`: per reviewer assigned / done / overdue (leads) */
  | { kind: 'workload' }
  /** `queue lowconf [below <x>] [n]`: customer messages classified with confidence under x (domain/classification-review.ts) */
  | { kind: 'lowconf'; below: number; limit: number }
  /** `label <message id> <topic>`: a reviewer corrects a message's label */
  | { kind: 'label'; messageId: number; label: string };

const VERBS: Record<string, QaTarget> = { pass: 'passed', passed: 'passed', issue: 'issue', fixed: 'fixed', fix: 'fixed' };

const USAGE: Record<QaTarget, string> = {
  passed: '`/qa pass <session id> [notes]`',
  issue: '`/qa issue <session id> [notes]`',
  fixed: '`/qa fixed <session id> [feedback]`',
};

/** "42" or "#42" → 42; anything else undefined. */
export function parseSessionId(word: string | undefined): number | undefined {
  const m = /^#?(\d{1,9})$/.exec(word ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n : undefined;
}

function parseQueue(words: string[]): QaCommand {
  let limit = QUEUE_DEFAULT;
  let pageNumber = 1;
  const rest = [...words];
  const risky = rest[0] !== undefined && /^risk(y|iest)?$/i.test(rest[0]);
  if (risky) rest.shift();
  if (rest[0] !== undefined && /^\d+$/.test(rest[0])) {
    const n = Number(rest.shift());
    if (n < 1) return { kind: 'help', problem: 'The queue needs at least 1 session: `/qa queue [n] [page]`.' };
    limit = Math.min(n, QUEUE_MAX);
  }
  if (rest[0] !== undefined && /^\d+$/.test(rest[0])) {
    const p = Number(rest.shift());
    if (p < 1) return { kind: 'help', problem: 'Pages start at 1: `/qa queue [n] [page]`.' };
    pageNumber = p;
  }
  const pageName = rest.join(' ').trim();
  return { kind: 'queue', limit, pageNumber, ...(pageName ? { pageName } : {}), ...(risky ? { order: 'risk' as const } : {}) };
}

function parseLowConf(rest: string | undefined): QaCommand {
  let words = (rest ?? '').split(/\s+/).filter(Boolean);
  let below = LOWCONF_DEFAULT;
  let limit = QUEUE_DEFAULT;
  const usage = '`/qa queue lowconf [below 0.6] [n]`';
  if (words[0] !== undefined && /^(below|under|<)$/i.test(words[0])) {
    const x = Number(words[1]);
    if (!(x > 0 && x <= 1)) return { kind: 'help', problem: `A confidence threshold is more than 0 and at most 1: ${usage}.` };
    below = x;
    words = words.slice(2);
  }
  if (words[0] !== undefined && /^\d+$/.test(words[0])) {
    const n = Number(words.shift());
    if (n < 1) return { kind: 'help', problem: `List at least 1 message: ${usage}.` };
    limit = Math.min(n, QUEUE_MAX);
  }
  if (words.length) return { kind: 'help', problem: `I cannot read "${words.join(' ').slice(0, 40)}": ${usage}.` };
  return { kind: 'lowconf', below, limit };
}

function parseRules(second: string | undefined, rest: string | undefined): QaCommand {
  const verb = second?.toLowerCase();
  if (verb === undefined || verb === 'list') return { kind: 'rules', action: 'list' };
  if (verb === 'add') {
    if (!rest) return { kind: 'help', problem: 'Which rule? `/qa rules add <rule>`, e.g. `/qa rules add 5 per agent per week`.' };
    return { kind: 'rules', action: 'add', text: rest };
  }
  if (verb === 'remove' || verb === 'delete') {
    const m = /^#?(\d{1,9})$/.exec(rest ?? '');
    if (!m) return { kind: 'help', problem: 'Which rule? `/qa rules remove <rule id>` (the ids are in `/qa rules`).' };
    return { kind: 'rules', action: 'remove', ruleId: Number(m[1]) };
  }
  return { kind: 'help', problem: '`/qa rules` lists the sampling rules; `/qa rules add <rule>` and `/qa rules remove <id>` change them.' };
}

/** Reads the text after `/qa`. Unknown or malformed input is `help` with what was wrong. */
export function parseQaCommand(input: string): QaCommand {
  const text = input.trim();
  const m = /^(\S+)(?:\s+(\S+))?(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) return { kind: 'help' };
  const sub = m[1]!.toLowerCase();
  const second = m[2];
  const rest = m[3]?.trim();
  if (sub === 'help') return { kind: 'help' };
  if (sub === 'queue' && second?.toLowerCase() === 'mine' && !rest) return { kind: 'assigned' };
  if (sub === 'workload' && !second) return { kind: 'workload' };
  if (sub === 'queue' && /^(lowconf|low-confidence|unsure)$/i.test(second ?? '')) return parseLowConf(rest);
  if (sub === 'label' || sub === 'relabel') {
    const id = parseSessionId(second);
    if (id === undefined || !rest || /\s/.test(rest)) return { kind: 'help', problem: 'Which message and label? `/qa label <message id> <label>`, e.g. `/qa label 1234 complaint`.' };
    return { kind: 'label', messageId: id, label: rest };
  }
  if (sub === 'rules' || sub === 'rule') return parseRules(second, rest);
  if (sub === 'queue') return parseQueue([second, ...(rest ? rest.split(/\s+/) : [])].filter((w): w is string => !!w));
  if (sub === 'stats') {
    const periodText = [second, rest].filter(Boolean).join(' ').trim();
    return { kind: 'stats', ...(periodText ? { periodText } : {}) };
  }
  if (sub === 'show') {
    const id = parseSessionId(second);
    if (id === undefined || rest) return { kind: 'help', problem: 'Which session? `/qa show <session id>`, e.g. `/qa show 42`.' };
    return { kind: 'show', sessionId: id };
  }
  if (sub === 'review' || sub === 'score') {
    const id = parseSessionId(second);
    if (id === undefined || rest) return { kind: 'help', problem: 'Which session? `/qa review <session id>`, e.g. `/qa review 42`.' };
    return { kind: 'review', sessionId: id };
  }
  if (sub === 'dispute') {
    const id = parseSessionId(second);
    if (id === undefined) return { kind: 'help', problem: 'Which session? `/qa dispute <session id> [reason]`, e.g. `/qa dispute 42 the price was right`.' };
    return { kind: 'dispute', sessionId: id, ...(rest ? { reason: rest } : {}) };
  }
  if (sub === 'disputes' && !second) return { kind: 'disputes' };
  if (sub === 'calibrate') {
    const id = parseSessionId(second);
    if (id === undefined || rest) return { kind: 'help', problem: 'Which session? `/qa calibrate <session id>`, e.g. `/qa calibrate 42`.' };
    return { kind: 'calibrate', sessionId: id };
  }
  if (sub === 'calibration') {
    const id = parseSessionId(second);
    if (id === undefined || (rest && rest.toLowerCase() !== 'close')) return { kind: 'help', problem: 'Which calibration? `/qa calibration <calibration id> [close]`.' };
    return { kind: 'calibration', calibrationId: id, ...(rest ? { close: true as const } : {}) };
  }
  const to = VERBS[sub];
  if (to) {
    const id = parseSessionId(second);
    if (id === undefined) return { kind: 'help', problem: `Which session? ${USAGE[to]} — session ids are numbers, e.g. 42.` };
    return { kind: 'change', to, sessionId: id, ...(rest ? { text: rest } : {}) };
  }
  return { kind: 'help', problem: `I don't know \`/qa ${sub.slice(0, 40)}\`. Here is what I can do.` };
}
