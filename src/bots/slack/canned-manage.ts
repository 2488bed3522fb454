// `/canned list|add|edit|remove`: the adapter between the command (parsed by domain/canned.ts)
// and the repository (db/canned-repo.ts). It resolves the scope (page:<ref>, else the page whose
// handoff channel the command is typed in, else the shared responses), checks the role (leads
// and admins change responses; a refusal is audited) and renders the answer.

import { addCanned, editCanned, listCanned, pagesForChannel, removeCanned, type CannedListRow, type CannedResult } from '../../db/canned-repo.ts';
import { audit, type HandoffUser } from '../../db/handoff-repo.ts';
import { findPage, type PageRef } from '../../db/pages-repo.ts';
import { CANNED_USAGE, byCategory, mayManageCanned, type CannedCommand, type CannedScope } from '../../domain/canned.ts';
import type { SlackDeps } from './deps.ts';
import { escapeSlackText, truncate } from './format.ts';

type Manage = Extract<CannedCommand, { kind: 'add' | 'edit' | 'remove' }>;

/** The page a scope names; null: the shared responses; a string: why there is none. */
async function scopePage(deps: SlackDeps, scope: CannedScope, channel: string): Promise<PageRef | null | string> {
  if (scope.kind === 'shared') return null;
  if (scope.kind === 'page') {
    try {
      return await findPage(deps.pool, scope.ref);
    } catch (err) {
      return (err as Error).message;
    }
  }
  const pages = await pagesForChannel(deps.pool, channel);
  if (pages.length <= 1) return pages[0] ?? null;
  return `this channel is the handoff desk of ${pages.map((p) => `${p.name} (${p.id})`).join(', ')}; say which: \`page:<id>\` after the subcommand, or \`page:shared\``;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ');

/** The responses, grouped by category; escaped first, then cut to what a Slack message takes. */
export function cannedListText(rows: readonly CannedListRow[], o: { page: PageRef | null | undefined; category?: string | undefined }): string {
  const scope = o.page ? `for ${o.page.name} (its own and the shared ones)` : o.page === null ? 'shared by every page' : 'of every page';
  const head = `*Canned responses* ${escapeSlackText(scope)}${o.category ? `, category *${escapeSlackText(o.category)}*` : ''}:`;
  if (!rows.length) return `${head} none${o.category ? ' in that category' : ' yet'}.\n${escapeSlackText(CANNED_USAGE)}`;
  const groups = byCategory(rows).map(([category, list]) => {
    const lines = list.map((r) => {
      const owner = o.page === undefined && r.pageName ? ` (${escapeSlackText(r.pageName)})` : '';
      return `• \`${escapeSlackText(r.name)}\`${owner} — ${truncate(escapeSlackText(oneLine(r.body)), 80)}`;
    });
    return `*${escapeSlackText(category)}* (${list.length})\n${lines.join('\n')}`;
  });
  return truncate(`${head}\n${groups.join('\n')}\n\n${escapeSlackText(CANNED_USAGE)}`, 3000);
}

/**
 * `/canned list [category]`, and the list a refused send shows (`page`: the conversation's).
 * Typed outside a single page's desk without `page:`, it lists every page's responses.
 */
export async function listAnswer(deps: SlackDeps, o: { scope: CannedScope; channel: string; category?: string | undefined; page?: PageRef }): Promise<string> {
  let page: PageRef | null | undefined = o.page;
  if (!page) {
    const found = await scopePage(deps, o.scope, o.channel);
    if (typeof found === 'string' && o.scope.kind !== 'channel') return `Nothing to list: ${escapeSlackText(found)}.`;
    page = typeof found === 'string' || (found === null && o.scope.kind === 'channel') ? undefined : found;
  }
  const rows = await listCanned(deps.pool, { ...(page === undefined ? {} : { pageId: page?.id ?? null }), ...(o.category ? { category: o.category } : {}) });
  return cannedListText(rows, { page, category: o.category });
}

const VERB: Record<Manage['kind'], string> = { add: 'Added', edit: 'Changed', remove: 'Removed' };

/** `/canned add|edit|remove`: the answer for the person who typed it. */
export async function manageCanned(deps: SlackDeps, actor: HandoffUser, cmd: Manage, channel: string): Promise<string> {
  if (!mayManageCanned(actor.role)) {
    // no row is looked up for a refusal: the target names the response by its name
    await audit(deps.pool, { actorId: actor.userId, action: `canned.${cmd.kind}.refused`, target: `message_template:${cmd.name}`, details: { slackId: actor.slackId, role: actor.role, name: cmd.name } });
    return 'Nothing changed: only team leads and admins add, edit or remove canned responses. You can still send them: `/canned &lt;name&gt;`.';
  }
  const page = await scopePage(deps, cmd.scope, channel);
  if (typeof page === 'string') return `Nothing changed: ${escapeSlackText(page)}.`;
  const change = { page, name: cmd.name, actor: { userId: actor.userId, slackId: actor.slackId } };
  let result: CannedResult;
  if (cmd.kind === 'add') result = await addCanned(deps.pool, { ...change, category: cmd.category, text: cmd.text });
  else if (cmd.kind === 'edit') result = await editCanned(deps.pool, { ...change, text: cmd.text });
  else result = await removeCanned(deps.pool, change);
  if (!result.ok) return `Nothing changed: ${escapeSlackText(result.reason)}.`;
  const scope = page ? `for ${page.name}` : 'shared by every page';
  const note = result.note ? ` (${result.note})` : '';
  return `:white_check_mark: ${VERB[cmd.kind]} *${escapeSlackText(result.name)}* (category ${escapeSlackText(result.category)}) ${escapeSlackText(scope)}${escapeSlackText(note)}.`;
}
