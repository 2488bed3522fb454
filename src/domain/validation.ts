// System validation (the seed's "validation and health" feature): what each check found,
// turned into component scores, one weighted health score and recommendations. Pure: the
// findings come from src/db/validation-repo.ts, the clock never enters here.
import { GRAPH_EXPIRY_WARNING_DAYS, graphVersionStatus } from './graph-api.ts';

export const COMPONENTS = ['database_integrity', 'data_quality', 'business_rules', 'performance', 'freshness'] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * Weights of the health score (sum 1). The seed weighs database integrity 25 %, data quality
 * and business logic 20 % each, performance 15 %; we have no security component, so its share
 * goes to business rules (customers left waiting matter most) and freshness (stale numbers
 * mislead every digest and answer).
 */
export const COMPONENT_WEIGHTS: Record<Component, number> = {
  database_integrity: 0.25,
  data_quality: 0.2,
  business_rules: 0.25,
  performance: 0.15,
  freshness: 0.15,
};

/**
 * Safe automatic fixes `--fix` may apply (the seed's restart stuck tasks / refresh stale data;
 * recover_imports is what the service does at start after a killed import).
 */
export type FixKind = 'requeue_stuck_jobs' | 'refresh_metrics' | 'recover_imports';

export type Severity = 'critical' | 'warning' | 'info';

/** How much one finding costs its component, and the most one check may cost it. */
interface CheckRule {
  component: Component;
  severity: Severity;
  perItem: number;
  cap: number;
  /** what the problem is, for the report: "{n}" is replaced by the count */
  title: string;
  recommendation: string;
  fix?: FixKind;
}

export const CHECKS = {
  orphan_messages: { component: 'database_integrity', severity: 'critical', perItem: 20, cap: 60, title: '{n} message(s) point to no conversation', recommendation: 'Foreign keys were bypassed (restore, replica mode or disabled triggers): inspect the sample ids and delete or re-attach them; check fk_constraints.' },
  orphan_sessions: { component: 'database_integrity', severity: 'critical', perItem: 20, cap: 60, title: '{n} session(s) point to no conversation', recommendation: 'Rebuild the sessions of the affected conversations (POST /api/sessions/rebuild) or delete the orphans.' },
  orphan_daily_analyses: { component: 'database_integrity', severity: 'critical', perItem: 20, cap: 60, title: '{n} daily analysis row(s) belong to a deleted conversation', recommendation: 'Delete the orphaned daily_analyses rows; their conversation is gone, so nobody can read them.' },
  conversations_without_sessions: { component: 'database_integrity', severity: 'critical', perItem: 5, cap: 60, title: '{n} conversation(s) have messages but no session (invisible to /api/sessions and QA)', recommendation: 'Their writer died before rebuilding sessions (a killed import): `pulse validate --fix` or a service restart builds them, and so does importing the same file again.', fix: 'recover_imports' },
  abandoned_uploads: { component: 'database_integrity', severity: 'warning', perItem: 10, cap: 30, title: '{n} upload(s) left processing by an import whose process died', recommendation: '`pulse validate --fix` (or a service restart) marks them failed with the counts of what was stored and rebuilds their conversations; then import the file again.', fix: 'recover_imports' },
  missing_deferred_indexes: { component: 'database_integrity', severity: 'warning', perItem: 10, cap: 30, title: '{n} index(es) a stopped import dropped for its load are still missing (queries on messages read the whole table)', recommendation: '`pulse validate --fix` (or a service restart, or the next `pulse import`) builds them again from their recorded definitions (docs/IMPORT.md, deferred indexes).', fix: 'recover_imports' },
  orphan_job_links: { component: 'database_integrity', severity: 'warning', perItem: 10, cap: 40, title: '{n} job link(s) point to a missing job or conversation-day', recommendation: 'Delete the dangling job_daily_analyses rows; re-plan the analysis (pulse analyze) if days are missing.' },
  fk_constraints: { component: 'database_integrity', severity: 'critical', perItem: 25, cap: 75, title: '{n} foreign key(s) missing, not validated or with disabled triggers', recommendation: 'Re-apply migrations (pulse db migrate) and re-enable triggers (ALTER TABLE ... ENABLE TRIGGER ALL); orphans may have crept in meanwhile.' },
  empty_texts: { component: 'data_quality', severity: 'warning', perItem: 2, cap: 30, title: '{n} recent message(s) have neither text nor attachments', recommendation: 'Look at the importer or webhook that stored them (sample ids); empty messages skew counts and scoring.' },
  out_of_range_scores: { component: 'data_quality', severity: 'critical', perItem: 15, cap: 60, title: '{n} daily analysis row(s) hold a metric outside its range', recommendation: 'Re-score the affected conversations (pulse analyze after touching them) and check the scorer version recorded on them.' },
  bad_confidence: { component: 'data_quality', severity: 'warning', perItem: 5, cap: 30, title: '{n} recent message(s) have a classification confidence outside 0–1', recommendation: 'Check the classifier that wrote them; confidences are probabilities.' },
  future_timestamps: { component: 'data_quality', severity: 'warning', perItem: 5, cap: 40, title: '{n} message(s) or conversation(s) are dated in the future', recommendation: 'Check the source timezone of imports (a local time read as UTC) and the server clock.' },
  unclassified_messages: { component: 'business_rules', severity: 'warning', perItem: 5, cap: 40, title: '{n} customer message(s) from Messenger still unclassified after 1 h', recommendation: 'The Messenger worker is behind or failing: check messenger_events in state failed/pending and the service log.' },
  unsent_replies: { component: 'business_rules', severity: 'critical', perItem: 10, cap: 50, title: '{n} generated reply/replies never sent', recommendation: 'Look at messenger_sends errors (expired page token, 24-hour window, blocked customer); resend or hand off to a human.' },
  unanswered_messages: { component: 'business_rules', severity: 'critical', perItem: 10, cap: 50, title: '{n} conversation(s) end with a customer message unanswered for over 2 h', recommendation: 'Answer them or hand them to a human (HANDOFF_CHANNEL); check that the customer agent is running.' },
  unscored_days: { component: 'business_rules', severity: 'warning', perItem: 1, cap: 40, title: '{n} conversation-day(s) or changed conversation(s) left unscored', recommendation: 'Run the analysis (pulse analyze, or let the service work its queue); failed jobs can be retried with POST /api/jobs/:id/retry.' },
  stuck_jobs: { component: 'freshness', severity: 'critical', perItem: 15, cap: 45, title: '{n} analysis job(s) in progress for longer than their timeout', recommendation: 'Their worker probably died: `pulse validate --fix` puts them back to pending and re-queues them.', fix: 'requeue_stuck_jobs' },
  unstored_events: { component: 'freshness', severity: 'critical', perItem: 10, cap: 40, title: '{n} Messenger event(s) acknowledged but not stored as messages after 5 min', recommendation: 'The materializer is stopped or failing: check the service log (component messenger-materializer); the events wait safely in messenger_events and are stored once it runs.' },
  stale_metrics: { component: 'freshness', severity: 'warning', perItem: 30, cap: 30, title: 'the metric cache is older than the last analysis run', recommendation: 'Refresh it: `pulse validate --fix` (or it refreshes after the next analysis run).', fix: 'refresh_metrics' },
  graph_api_expiring: { component: 'business_rules', severity: 'warning', perItem: 10, cap: 10, title: `the Graph API version in MESSENGER_API_URL expires within ${GRAPH_EXPIRY_WARNING_DAYS} days`, recommendation: 'Move MESSENGER_API_URL to a current version (see docs/MESSENGER.md) after reading Meta\'s changelog for Send API changes; after the expiry Meta answers with the oldest version still available.' },
  graph_api_expired: { component: 'business_rules', severity: 'critical', perItem: 30, cap: 30, title: 'the Graph API version in MESSENGER_API_URL has expired', recommendation: 'Meta now answers with another version than the one the product was tested with: move MESSENGER_API_URL to a current version (see docs/MESSENGER.md).' },
  analysis_backlog: { component: 'freshness', severity: 'warning', perItem: 1, cap: 40, title: '{n} analysis job(s) pending for longer than expected', recommendation: 'No worker is taking jobs: start the service (or `pulse analyze`); check ANALYSIS_CONCURRENCY and the log.' },
} as const satisfies Record<string, CheckRule>;

export type CheckId = keyof typeof CHECKS;

/** DESIGN §5 ranges of the stored daily_analyses columns; null = unbounded on that side. */
export const METRIC_RANGES: Record<string, readonly [number | null, number | null]> = {
  sentiment_score: [0, 10],
  sentiment_shift: [-5, 5],
  resolution_achieved: [0, 10],
  fcr_score: [0, 10],
  ces: [1, 7],
  first_response_time: [0, null],
  avg_response_time: [0, null],
  total_handling_time: [0, null],
  effectiveness: [0, 10],
  effort: [0, 10],
  efficiency: [0, 10],
  empathy: [0, 10],
  csi: [0, 100],
};

/** What one check found: how many, and a few ids to look at. */
export interface Finding {
  check: CheckId;
  count: number;
  samples: (number | string)[];
}

/** A timed key query (CSI lookup, session list...). */
export interface Timing {
  name: string;
  ms: number;
  /** at or below: full marks */
  goodMs: number;
  /** at or above: zero */
  poorMs: number;
}

export interface Issue {
  check: CheckId | `slow_query:${string}`;
  component: Component;
  severity: Severity;
  count: number;
  message: string;
  samples: (number | string)[];
  fix?: FixKind;
}

export interface FixOutcome {
  fix: FixKind;
  ok: boolean;
  /** e.g. the job ids re-queued */
  affected: (number | string)[];
  error?: string;
}

export interface HealthReport {
  healthScore: number;
  status: 'healthy' | 'warning' | 'critical';
  componentScores: Record<Component, number>;
  issues: Issue[];
  recommendations: string[];
  timings: Timing[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** 100 at or under goodMs, 0 at or over poorMs, linear between. */
export function latencyScore(t: Pick<Timing, 'ms' | 'goodMs' | 'poorMs'>): number {
  if (t.ms <= t.goodMs) return 100;
  if (t.ms >= t.poorMs) return 0;
  return round1((100 * (t.poorMs - t.ms)) / (t.poorMs - t.goodMs));
}

/** What a check with `count` findings costs its component (0 when clean). */
export function penalty(check: CheckId, count: number): number {
  const rule: CheckRule = CHECKS[check];
  return count <= 0 ? 0 : Math.min(rule.cap, count * rule.perItem);
}

/** Healthy from 90, warning from 70, critical below (the seed's three states). */
export function healthStatus(score: number): HealthReport['status'] {
  return score >= 90 ? 'healthy' : score >= 70 ? 'warning' : 'critical';
}

/**
 * Scores the findings: each component starts at 100 and loses each of its checks' penalty
 * (performance is the mean of its timings' latency scores); the health score is the weighted
 * mean of the components.
 */
export function scoreHealth(findings: Finding[], timings: Timing[]): HealthReport {
  const scores = Object.fromEntries(COMPONENTS.map((c) => [c, 100])) as Record<Component, number>;
  const issues: Issue[] = [];
  const recommendations: string[] = [];
  for (const f of findings) {
    if (f.count <= 0) continue;
    const rule: CheckRule = CHECKS[f.check];
    scores[rule.component] -= penalty(f.check, f.count);
    issues.push({
      check: f.check,
      component: rule.component,
      severity: rule.severity,
      count: f.count,
      message: rule.title.replace('{n}', String(f.count)),
      samples: f.samples.slice(0, 10),
      ...(rule.fix ? { fix: rule.fix } : {}),
    });
    if (!recommendations.includes(rule.recommendation)) recommendations.push(rule.recommendation);
  }
  if (timings.length > 0) {
    scores.performance = timings.reduce((s, t) => s + latencyScore(t), 0) / timings.length;
    for (const t of timings.filter((x) => x.ms > x.goodMs)) {
      issues.push({
        check: `slow_query:${t.name}`,
        component: 'performance',
        severity: t.ms >= t.poorMs ? 'critical' : 'warning',
        count: 1,
        message: `${t.name} took ${Math.round(t.ms)} ms (good ≤ ${t.goodMs} ms, poor ≥ ${t.poorMs} ms)`,
        samples: [],
      });
    }
    if (timings.some((t) => t.ms > t.goodMs)) {
      recommendations.push('Key queries are slow: check the database host load, run ANALYZE, and compare with `npm run bench -- validation`.');
    }
  }
  for (const c of COMPONENTS) scores[c] = round1(clamp(scores[c], 0, 100));
  const healthScore = round1(COMPONENTS.reduce((s, c) => s + scores[c] * COMPONENT_WEIGHTS[c], 0));
  const order: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
  issues.sort((a, b) => order[a.severity] - order[b.severity] || b.count - a.count);
  return { healthScore, status: healthStatus(healthScore), componentScores: scores, issues, recommendations, timings };
}

/** The fixes worth applying for these issues, each once. */
export function fixesFor(issues: Issue[]): FixKind[] {
  return [...new Set(issues.flatMap((i) => (i.fix ? [i.fix] : [])))];
}

/** Direction of the health score over recent runs (oldest first): up, down or flat within 1 point. */
export function healthTrend(scores: number[]): 'up' | 'down' | 'flat' | 'unknown' {
  if (scores.length < 2) return 'unknown';
  const delta = scores[scores.length - 1]! - scores[0]!;
  return Math.abs(delta) < 1 ? 'flat' : delta > 0 ? 'up' : 'down';
}

/** The configured Graph API version's expiry as a finding (none while it is current or not versioned). */
export function graphApiFindings(apiUrl: string | undefined, now: Date): Finding[] {
  if (!apiUrl) return [];
  const status = graphVersionStatus(apiUrl, now);
  if (status.state !== 'expiring' && status.state !== 'expired') return [];
  return [{ check: status.state === 'expired' ? 'graph_api_expired' : 'graph_api_expiring', count: 1, samples: [`${status.version} expires ${status.expires}`] }];
}
