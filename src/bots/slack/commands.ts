import type { App } from '@slack/bolt';
import type { SlackDeps } from './deps.ts';

/** Slash commands: /pulse (ask, help) and /csi. */
export function registerSlashCommands(app: App, deps: SlackDeps): void {
  app.command('/pulse', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'SupportPulse: /pulse ask <question>' });
  });
  app.command('/csi', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'CSI: coming soon' });
  });
  void deps;
}
