import type { Role } from './access.ts';
import { LOW_CONFIDENCE } from './qa-risk.ts';
import { canonicalLabel, TOPIC_LABELS } from './topics.ts';

// Classification review (issue 20, point 10): reviewers look at the customer messages the
// classifier was unsure of and correct their labels. Pure: who may correct, which labels exist,
// the low-confidence threshold and the confidence histogram's buckets. The correction is stored
// apart from the model's label (db/message-labels-repo.ts) and the topic measures read it.

/** Who corrects labels: the people who review conversations. */
export const LABEL_ROLES: readonly Role[] = ['qa', 'lead', 'admin'];

/** `/qa queue lowconf` without a threshold: the risk rules' "unsure bot" line (domain/qa-risk.ts). */
export const LOWCONF_DEFAULT = LOW_CONFIDENCE;

export type LabelDecision = { ok: true; label: string } | { ok: false; kind: 'forbidden' | 'unknown_label'; reason: string };

/** Whether `role` may set `label` (a topic label, or an earlier name of one) on a message. */
export function decideLabel(role: Role, label: string): LabelDecision {
  if (!LABEL_ROLES.includes(role)) return { ok: false, kind: 'forbidden', reason: 'only QA reviewers, team leads and admins correct classifications' };
  const l = canonicalLabel(label.trim().toLowerCase());
  if (!(TOPIC_LABELS as readonly string[]).includes(l)) {
    return { ok: false, kind: 'unknown_label', reason: `"${label.trim().slice(0, 40)}" is not a label; the labels are ${TOPIC_LABELS.join(', ')}` };
  }
  return { ok: true, label: l };
}

/** The histogram's buckets: [0, 0.2), [0.2, 0.4), … [0.8, 1.0]; index = min(4, floor(confidence × 5)). */
export const CONFIDENCE_BUCKETS = 5;

export function bucketLabel(i: number): string {
  const lo = i / CONFIDENCE_BUCKETS;
  const hi = (i + 1) / CONFIDENCE_BUCKETS;
  return `${lo.toFixed(1)}–${hi.toFixed(1)}`;
}

/** One text bar per bucket, the widest `width` characters: "0.0–0.2 ████ 12". */
export function histogramLines(counts: readonly number[], width = 20): string[] {
  const max = Math.max(1, ...counts);
  return counts.map((n, i) => `${bucketLabel(i)} ${'█'.repeat(Math.round((n / max) * width)) || '·'} ${n}`);
}
