import type pg from 'pg';
import { conversationsWithClosedDays } from '../../db/messenger-inbox-repo.ts';
import { recountPages } from '../../db/pages-repo.ts';
import { settleOpenSessions } from '../../db/sessions-rebuild.ts';
import { dayOf } from '../../domain/days.ts';
import type { Logger } from '../../logger.ts';

// Realtime conversations join the same analysis pipeline as imports: once a business day has
// ended, the conversations that had webhook traffic on it are handed to plan() (which only
// plans days that are new or changed, so asking again is harmless). Checked every minute,
// planned once per business day and once at start (catching up after downtime). Sessions
// whose customer went quiet beyond the gap are settled (incomplete) on the same tick, and the
// pages' counters recounted.

export interface PlannerDeps {
  pool: pg.Pool;
  timeZone: string;
  plan: (conversationIds: number[]) => Promise<unknown>;
  logger: Logger;
  now?: () => Date;
  everyMs?: number;
}

export function startAnalysisPlanner(deps: PlannerDeps): { tick(): Promise<void>; stop(): Promise<void> } {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'messenger-planner' });
  let plannedDay: string | undefined;
  let running: Promise<void> | undefined;

  let countedAt: Date | undefined;
  const tick = async () => {
    const at = now();
    await settleOpenSessions(deps.pool, at);
    // the webhook's conversations and messages, in the pages' counters (a minute late at most)
    await recountPages(deps.pool, { updatedSince: countedAt ?? new Date(at.getTime() - 24 * 3600_000) });
    countedAt = at;
    const today = dayOf(at, deps.timeZone);
    if (plannedDay === today) return;
    const ids = await conversationsWithClosedDays(deps.pool, at, deps.timeZone);
    if (ids.length > 0) {
      await deps.plan(ids);
      log.info({ conversations: ids.length, before: today }, 'messenger: closed days planned for analysis');
    }
    plannedDay = today;
  };
  const guarded = () => {
    running ??= tick()
      .catch((err: unknown) => log.warn({ err }, 'messenger: planning closed days failed, trying again next minute'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void guarded(), deps.everyMs ?? 60_000);
  timer.unref();
  void guarded();
  return {
    tick: guarded,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
