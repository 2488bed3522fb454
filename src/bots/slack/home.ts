import type { App } from '@slack/bolt';
import type { SlackDeps } from './deps.ts';

/** App Home: the KPI summary, published when a user opens the Home tab. */
export function registerAppHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    deps.logger.info({ user: event.user }, 'app home opened');
  });
}
