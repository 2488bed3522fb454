import type pg from 'pg';
import { calibrationPairs } from '../../db/csat-repo.ts';
import { calibrate, calibrationLines, type CalibrationReport } from '../../domain/csat.ts';
import { periodBounds } from '../../domain/period-bounds.ts';

// The CSI calibration report (`pulse csi calibrate`, the weekly digest): the pairs from the
// database, the figures and the lines from the domain.

export async function calibrationReport(
  db: pg.Pool | pg.ClientBase,
  days: { from: string; to: string },
  timeZone: string,
): Promise<{ report: CalibrationReport; lines: string[] }> {
  const { start, end } = periodBounds({ ...days, label: '', granularity: 'day' }, timeZone);
  const report = calibrate(await calibrationPairs(db, start, end, timeZone));
  const period = days.from === days.to ? days.from : `${days.from} – ${days.to}`;
  return { report, lines: calibrationLines(report, period) };
}
