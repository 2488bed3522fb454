// Cron expressions read by node-cron's own parser (so what node-cron accepts, we accept),
// turned into the plain fields the pure tick computation (src/domain/schedule.ts) walks.
import { parse, validateDetailed } from 'node-cron';
import { ScheduleError, type CronFields } from '../../domain/schedule.ts';

/** The expression's fields, or a ScheduleError saying what is wrong. */
export function parseCron(expression: string): CronFields {
  const v = validateDetailed(expression);
  if (!v.valid) throw new ScheduleError(`invalid cron expression "${expression}": ${v.errors.map((e) => e.message).join('; ')}`);
  const f = parse(expression);
  const nums = (name: string, xs: (number | string)[]): number[] => {
    if (xs.some((x) => typeof x !== 'number')) throw new ScheduleError(`cron expression "${expression}": ${name} tokens like L, W or # are not supported`);
    return [...new Set(xs as number[])].sort((a, b) => a - b);
  };
  return {
    second: nums('second', f.second),
    minute: nums('minute', f.minute),
    hour: nums('hour', f.hour),
    dayOfMonth: nums('day-of-month', f.dayOfMonth),
    month: nums('month', f.month),
    dayOfWeek: nums('day-of-week', f.dayOfWeek.map((d) => (d === 7 ? 0 : d))),
  };
}

