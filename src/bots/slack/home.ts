// App Home: the KPI summary, read afresh and published with views.publish each time a user opens
// the Home tab (app_home_opened, https://docs.slack.dev/reference/events/app_home_opened).
// Our receiver answers Slack when the request is acked, or after its ack timeout (2.5 s, under
// Slack's 3 s) at the latest, so these reads may delay that answer but never past Slack's limit.
// A failure is logged and shown on the tab; it never throws out of the listener.

import { publishView } from '../../notify/slack.ts';
import type pg from 'pg';
import type { App } from '@slack/bolt';
import { csiLookup, qaQueue, supportStats } from '../../db/read/index.ts';
import { analyticsDenial, mayAskAnalytics } from '../../domain/access.ts';
import { parsePeriod } from '../../domain/periods.ts';
import type { SlackDeps } from './deps.ts';
import { homeDeniedView, homeErrorView, homeView, type HomeKpis, type HomeView } from './home-blocks.ts';
import { openCases } from '../../db/handoff-cases-repo.ts';
import { mayHandleHandoffs } from '../../domain/handoff.ts';
import { withDesk } from './handoff-desk-blocks.ts';

/** This week against last week, the week's volumes, response times and bot sessions, the QA backlog. */
export async function loadHomeKpis(pool: pg.Pool, opts: { now: Date; timeZone: string }): Promise<HomeKpis> {
  const { now, timeZone } = opts;
  const thisWeek = parsePeriod('this week', now, timeZone)!;
  const lastWeek = parsePeriod('last week', now, timeZone)!;
  const [csi, stats, qa] = await Promise.all([
    csiLookup(pool, { period: thisWeek, previous: lastWeek, timezone: timeZone }),
    supportStats(pool, { period: thisWeek, timezone: timeZone, sections: ['volumes', 'responseTimes', 'sessions'] }),
    qaQueue(pool, { limit: 1 }),
  ]);
  return { csi, stats, qa, timeZone, updatedAt: now };
}

/**
 * The Home tab for one user: the KPIs, or why they are not shown; for people who answer
 * customers (with the Messenger channel on), the handoff desk's open cases below.
 */
export async function homeFor(deps: SlackDeps, slackUserId: string): Promise<HomeView> {
  const timeZone = deps.config.businessTimezone;
  const caller = await deps.callerOf(slackUserId);
  const minRole = deps.config.assistantMinRole;
  const now = deps.now();
  const view = minRole && !mayAskAnalytics(caller.role, minRole)
    ? homeDeniedView(analyticsDenial(caller.role, minRole))
    : homeView(await loadHomeKpis(deps.pool, { now, timeZone }));
  if (!deps.messenger || !mayHandleHandoffs(caller.role)) return view;
  return withDesk(view, await openCases(deps.pool, 40), now);
}

/** App Home: the KPI summary, published when a user opens the Home tab. */
export function registerAppHome(app: App, deps: SlackDeps): void {
  const log = deps.logger.child({ component: 'slack', listener: 'app_home_opened' });
  app.event('app_home_opened', async ({ event, client }) => {
    // The Messages and About tabs open this event too; only Home has a view of ours.
    if (event.tab !== 'home') return;
    let view: HomeView;
    try {
      view = await homeFor(deps, event.user);
    } catch (err) {
      log.error({ err, user: event.user }, 'slack: reading the App Home KPIs failed');
      view = homeErrorView(deps.config.businessTimezone, deps.now());
    }
    try {
      await publishView(client.views, { user_id: event.user, view });
    } catch (err) {
      log.error({ err, user: event.user }, 'slack: views.publish failed');
    }
  });
}
