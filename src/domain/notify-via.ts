// How QA notifications meant for one person reach them (users.notify_via). Pure.
// Only personal notifications follow it: the reviewer's "fixed" DM and email, the developers'
// issue emails, and dispute notifications (the leads' when one is opened; the disputer's and the
// reviewer's when it is settled). The QA_CHANNEL post and QA_EMAIL_TO are for a channel / a list, not a person.

export const NOTIFY_VIA = ['all', 'slack', 'email', 'none'] as const;
export type NotifyVia = (typeof NOTIFY_VIA)[number];

export const isNotifyVia = (v: unknown): v is NotifyVia => typeof v === 'string' && (NOTIFY_VIA as readonly string[]).includes(v);

export const wantsSlack = (via: NotifyVia): boolean => via === 'all' || via === 'slack';
export const wantsEmail = (via: NotifyVia): boolean => via === 'all' || via === 'email';

/** What a person typed: `slack`, `email`, `both` (or `all`), `none` (or `off`), any case. */
export function parseNotifyVia(word: string): NotifyVia | undefined {
  const w = word.trim().toLowerCase();
  if (w === 'both' || w === 'all') return 'all';
  if (w === 'off') return 'none';
  return isNotifyVia(w) ? w : undefined;
}

export const NOTIFY_VIA_LABEL: Record<NotifyVia, string> = {
  all: 'a Slack DM and an email (when your address is set)',
  slack: 'a Slack DM only',
  email: 'an email only (when your address is set)',
  none: 'nothing: you get no personal QA notifications',
};
