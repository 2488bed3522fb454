import type pg from 'pg';
import { csiLookup } from '../../db/read/csi-lookup.ts';
import { qaQueue } from '../../db/read/qa-queue.ts';
import { supportStats } from '../../db/read/support-stats.ts';
import { firstResponseTimes, lastAnalysisRun, sampleSessions } from '../../db/digest-repo.ts';
import { calibrationReport } from '../csat/calibrate.ts';
import { metricByKey, metricValue } from '../../db/semantic/value.ts';
import { QA_STATUSES, type QaStatus } from '../../domain/qa.ts';
import { coverage, issueRate, type DigestData } from '../../domain/digest.ts';
import { formatCount, formatPercent } from '../../domain/format.ts';
import type { DigestFrequency } from '../../domain/digest-schedule.ts';
import { periodBounds, previousPeriod, type Period } from '../../domain/periods.ts';

// The figures of one digest, read through the same functions the assistant's tools call
// (csi_lookup, support_stats, qa_queue) and the metrics catalogue's compiler (the handoffs now,
// the period's QA sessions by state), with the same inputs, so "CSI last week" asked in Slack
// and last week's digest give the same numbers.

export interface GatherInput {
  frequency: DigestFrequency;
  period: Period;
  timezone: string;
  /** sample sessions cited, default 3 */
  samples?: number;
}

export async function gatherDigestData(pool: pg.Pool, input: GatherInput): Promise<DigestData> {
  const { period, timezone } = input;
  const previous = previousPeriod(period);
  const { start, end } = periodBounds(period, timezone);
  const [csi, prevDays, byPage, stats, frts, handoff, backlog, qaPeriod, lastRunAt, samples] = await Promise.all([
    csiLookup(pool, { period, previous, groupBy: 'day', timezone }),
    csiLookup(pool, { period: previous, groupBy: 'day', timezone }),
    csiLookup(pool, { period, previous, groupBy: 'page', timezone }),
    supportStats(pool, { period, timezone, sections: ['volumes', 'responseTimes', 'topics', 'sessions'] }),
    firstResponseTimes(pool, period.from, period.to),
    handoffsNow(pool, timezone),
    qaQueue(pool, { limit: 1 }),
    qaSessionsByState(pool, period, timezone),
    lastAnalysisRun(pool),
    sampleSessions(pool, { start, end, timezone, limit: input.samples ?? 3 }),
  ]);
  const pipeline = { scoredDays: csi.current.days, conversationDays: stats.volumes?.conversationDays ?? 0, lastRunAt };
  return {
    frequency: input.frequency,
    period,
    timezone,
    csi,
    previousDays: (prevDays.groups ?? []).map((g) => ({ key: g.key, csi: g.csi })),
    byPage: (byPage.groups ?? []).map((g) => ({ label: g.label, csi: g.csi, days: g.days })),
    stats,
    firstResponseTimes: frts,
    handoff,
    qaBacklog: { waiting: backlog.waiting, byStatus: backlog.byStatus, oldestStartedAt: backlog.oldest[0] ? new Date(backlog.oldest[0].startedAt) : null },
    qaPeriod,
    pipeline,
    samples,
    display: { qaWaiting: formatCount(backlog.waiting), issueRate: formatPercent(issueRate(qaPeriod)), coverage: formatPercent(coverage(pipeline)) },
    // the weekly look at whether the CSI agrees with what customers say (`pulse csi calibrate`)
    ...(input.frequency === 'weekly' ? { calibration: { lines: (await calibrationReport(pool, period, timezone)).lines } } : {}),
  };
}

/** The handoff queue as it stands: the catalogue's handoffs waiting and assigned now. */
async function handoffsNow(pool: pg.Pool, timeZone: string): Promise<{ waiting: number; human: number }> {
  const [waiting, human] = await Promise.all([
    metricValue(pool, { measure: 'handoffsWaiting' }, timeZone),
    metricValue(pool, { measure: 'handoffsAssigned' }, timeZone),
  ]);
  return { waiting: waiting ?? 0, human: human ?? 0 };
}

/** AI sessions started in the period by their QA state now: the catalogue's QA sessions. */
async function qaSessionsByState(pool: pg.Pool, period: Period, timeZone: string): Promise<Record<QaStatus, number>> {
  const byKey = await metricByKey(pool, { measure: 'qaSessions', groupBy: 'qa_state', period: { from: period.from, to: period.to, label: period.label } }, timeZone);
  return Object.fromEntries(QA_STATUSES.map((s) => [s, byKey.get(s) ?? 0])) as Record<QaStatus, number>;
}
