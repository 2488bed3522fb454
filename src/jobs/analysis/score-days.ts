import { computeCsi, type CsiSettings, type MicroMetrics } from '../../domain/csi.js';
import type { Scorer } from '../../domain/scoring/types.js';
import { timeMetrics } from '../../domain/time-metrics.js';
import type { DayResult, PlannedDay } from '../../db/analysis-repo.js';

/** Time metrics from timestamps, judgements from the scorer, then pillars and CSI. */
export async function scoreDays(days: PlannedDay[], scorer: Scorer, settings: CsiSettings): Promise<DayResult[]> {
  const judged = new Map((await scorer.score(days)).map((r) => [r.key, r.scores]));
  return days.map((day) => {
    const scores = judged.get(day.key) ?? null;
    const metrics: MicroMetrics = {
      sentimentScore: scores?.sentimentScore ?? null,
      sentimentShift: scores?.sentimentShift ?? null,
      resolutionAchieved: scores?.resolutionAchieved ?? null,
      fcrScore: scores?.fcrScore ?? null,
      ces: scores?.ces ?? null,
      ...timeMetrics(day.messages),
    };
    return {
      conversationId: day.conversationId,
      dayNo: day.dayNo,
      messageCount: day.messageCount,
      humanAgents: day.humanAgents,
      metrics,
      csi: computeCsi(metrics, settings),
    };
  });
}
