// `/qa` in Slack: the review queue, a session's transcript, QA changes by command, button and
// modal, and review statistics. Every request is acked first (Slack's 3 s), then worked on;
// answers go to the asker (response_url / ephemeral), except the queue, which is posted in the
// channel so the team shares one list that chat.update keeps current. Every change goes through
// changeQaStatus: role, transition and version are checked there, role refusals audited there;
// a button carries the qa_version it was shown at, so a stale or repeated press is a conflict.

import type { App, BlockAction, ButtonAction, RespondArguments } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { changeQaStatus, type AfterQaChange, type QaChangeResult } from '../../db/qa-repo.ts';
import { isDeletedSession, qaCards } from '../../db/qa-review-repo.ts';
import type { Caller } from '../../domain/access.ts';
import { parseQaCommand, type QaTarget } from '../../domain/qa-command.ts';
import { NOTES_MAX, qaTargets } from '../../domain/qa.ts';
import { fitReply, openView, postEphemeral, updateMessage } from '../../notify/slack.ts';
import type { SlackDeps } from './deps.ts';
import { qaReads, type QaContext } from './qa-reads.ts';
import { isQaMine, respondMine } from './qa-mine.ts';
import { openReview, registerQaReview } from './qa-review.ts';
import { disputeCommand, disputesCommand, registerQaDisputes } from './qa-disputes.ts';
import { calibrateCommand, calibrationCommand } from './qa-calibration.ts';
import { assignedReply, rulesReply, workloadReply } from './qa-assignments.ts';
import { labelReply, lowconfReply } from './qa-labels.ts';
import {
  NOTES_BLOCK, NOTES_INPUT, QA_ACTION, QA_MODAL, cardButtons, changedLine, notesModal, notice, qaHelp, queueBlocks,
  queueText, type Block, type QaButtonValue, type QaPageValue, type QaReply,
} from './qa-blocks.ts';

export interface QaSlackOptions {
  /** runs inside each successful change's transaction: the notification hook (qa-notify.ts) */
  after?: AfterQaChange;
}

/** Where a change was asked from, so its outcome can be shown there. */
interface Origin {
  /** the message with the button: channel and ts (chat.update) unless it is ephemeral */
  channel?: string;
  ts?: string;
  ephemeral?: boolean;
  /** the command's or button's response_url: ephemeral answers, and replacing an ephemeral message */
  responseUrl?: string;
  /** the sessions of a queue message (re-rendered after a change) */
  list?: number[];
  /** the message's blocks as Slack sent them (kept where we do not own the layout) */
  blocks?: Block[];
}

/** What a notes modal carries from its opening to its submission. */
interface ModalMeta {
  sessionId: number;
  to: 'issue' | 'fixed';
  version: number;
  origin: Origin;
}

/** Slack keeps at most 3000 characters of private_metadata. */
const METADATA_MAX = 3000;

const parseJson = <T>(s: string | undefined): T | undefined => {
  try {
    return s ? (JSON.parse(s) as T) : undefined;
  } catch {
    return undefined;
  }
};

const isButtonValue = (v: unknown): v is QaButtonValue =>
  typeof v === 'object' && v !== null && Number.isInteger((v as QaButtonValue).sessionId) && Number.isInteger((v as QaButtonValue).version);

/** POSTs to a response_url (valid 30 minutes, 5 times) outside a Bolt listener that has `respond`. */
async function postResponse(url: string, body: RespondArguments): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(fitReply(body)) });
  if (!res.ok) throw new Error(`response_url answered ${res.status}`);
}



/** The work behind the listeners: each step a function, the listeners only parse, ack and call. */
function qaWork({ deps, log, tz, opts }: QaContext) {
  /** Tells the asker privately: through the response_url, else an ephemeral message in the channel. */
  async function tell(client: WebClient, user: string, origin: Origin, reply: QaReply): Promise<void> {
    try {
      if (origin.responseUrl) await postResponse(origin.responseUrl, { ...reply, response_type: 'ephemeral', replace_original: false });
      else if (origin.channel) await postEphemeral(client.chat, { channel: origin.channel, user, text: reply.text, blocks: reply.blocks }, log);
    } catch (err) {
      log.error({ err, user }, 'slack: telling the user failed');
    }
  }

  /** Shows the session's state where the change was asked from: the queue message re-rendered, or a state line on another message. */
  async function refreshOrigin(client: WebClient, sessionId: number, origin: Origin, caller: Caller): Promise<void> {
    const ids = origin.list?.length ? origin.list : undefined;
    let blocks: Block[] | undefined;
    let text = `Session ${sessionId} updated`;
    if (ids) {
      const cards = await qaCards(deps.pool, ids);
      const head = origin.blocks?.filter((b) => b.block_id === 'qa_head' || b.block_id === 'qa_head_note');
      const everyone = !origin.ephemeral;
      blocks = queueBlocks(head?.length ? head : [], cards, { timeZone: tz, targets: (c) => qaTargets(c.qaStatus, everyone ? 'admin' : caller.role) });
      text = queueText(cards.filter((c) => c.qaStatus === 'unchecked').length);
    } else if (origin.blocks?.length) {
      const [card] = await qaCards(deps.pool, [sessionId]);
      if (!card) return;
      const mine = (b: Block) => b.type === 'actions' && b.elements.some((e) => 'value' in e && isButtonValue(parseJson(e.value)) && parseJson<QaButtonValue>(e.value)!.sessionId === sessionId);
      blocks = [...origin.blocks.filter((b) => !mine(b) && !b.block_id?.startsWith(`qa_state:${sessionId}:`)), changedLine(card, tz)];
      // a developer may still act on the new state (e.g. fix a reopened issue)
      const targets = qaTargets(card.qaStatus, 'admin').filter((t) => t === 'fixed');
      if (targets.length) blocks.push(cardButtons(card, targets));
    }
    if (!blocks) return;
    try {
      if (!origin.ephemeral && origin.channel && origin.ts) await updateMessage(client.chat, { channel: origin.channel, ts: origin.ts, text, blocks }, log);
      else if (origin.responseUrl) await postResponse(origin.responseUrl, { replace_original: true, text, blocks });
    } catch (err) {
      log.error({ err, sessionId }, 'slack: updating the QA message failed');
    }
  }

  async function change(caller: Caller, sessionId: number, to: QaTarget, text: string | undefined, version?: number): Promise<QaChangeResult> {
    // a session an admin deleted is gone for QA too, as for every API read
    if (await isDeletedSession(deps.pool, sessionId)) return { ok: false, kind: 'not_found', reason: `session ${sessionId} was deleted` };
    return changeQaStatus(
      deps.pool,
      {
        sessionId, to, actor: caller, source: 'slack', at: deps.now(),
        ...(text ? (to === 'fixed' ? { devFeedback: text } : { notes: text }) : {}),
        ...(version !== undefined ? { expectedVersion: version } : {}),
      },
      opts.after,
    );
  }

  /** The words for a refusal; a repeat of the caller's own change is said as such. */
  function refusal(result: Extract<QaChangeResult, { ok: false }>, caller: Caller, to: QaTarget, sessionId: number): string {
    const s = result.session;
    if (result.kind === 'conflict' && s && s.qaStatus === to && caller.userId !== undefined && s.qaById === caller.userId) {
      return `Session ${sessionId} is already ${to}: you set it. Nothing changed.`;
    }
    const first = result.reason.charAt(0).toUpperCase() + result.reason.slice(1);
    return `${first}. Nothing changed.`;
  }

  /** A change from a command, a button or a modal; its outcome told and shown. */
  async function applyChange(client: WebClient, user: string, sessionId: number, to: QaTarget, text: string | undefined, version: number | undefined, origin: Origin): Promise<void> {
    const caller = await deps.callerOf(user);
    const result = await change(caller, sessionId, to, text, version);
    if (result.ok) {
      log.info({ sessionId, from: result.from, to, user, eventId: result.eventId }, 'slack: QA change');
      if (origin.ts || origin.list || origin.blocks) await refreshOrigin(client, sessionId, origin, caller);
      else await tell(client, user, origin, notice(`Session ${sessionId} is now ${to} (was ${result.from}), set by you.`));
      return;
    }
    await tell(client, user, origin, notice(refusal(result, caller, to, sessionId)));
    // a stale button: show what the message's session is now
    if (result.kind === 'conflict' && (origin.ts || origin.list || origin.blocks)) await refreshOrigin(client, sessionId, origin, caller);
  }

  /**
   * `issue`/`fixed` without text: checks everything but the text first (a refusal is told and,
   * for roles, audited by changeQaStatus), then opens the modal with the version seen now.
   */
  async function askForText(client: WebClient, user: string, triggerId: string, sessionId: number, to: 'issue' | 'fixed', version: number | undefined, origin: Origin): Promise<void> {
    const caller = await deps.callerOf(user);
    const probe = await change(caller, sessionId, to, undefined, version);
    if (probe.ok || probe.kind !== 'missing_notes' || !probe.session) {
      // cannot happen for issue/fixed without text, but never leave a change unreported
      if (probe.ok) await refreshOrigin(client, sessionId, origin, caller);
      else await tell(client, user, origin, notice(refusal(probe, caller, to, sessionId)));
      return;
    }
    // the message's blocks travel with the modal when they fit (a queue message needs only its head)
    const { blocks, ...rest } = origin;
    const keep = origin.list ? blocks?.filter((b) => b.block_id === 'qa_head' || b.block_id === 'qa_head_note') : blocks;
    const meta: ModalMeta = { sessionId, to, version: probe.session.qaVersion, origin: { ...rest, ...(keep?.length ? { blocks: keep } : {}) } };
    let metadata = JSON.stringify(meta);
    if (metadata.length > METADATA_MAX) metadata = JSON.stringify({ ...meta, origin: rest });
    await openView(client.views, { trigger_id: triggerId, view: notesModal({ sessionId: probe.session.id, qaStatus: probe.session.qaStatus }, to, metadata) });
  }

  return { tell, refreshOrigin, applyChange, askForText };
}

type QaWork = ReturnType<typeof qaWork> & ReturnType<typeof qaReads>;

/** The origin of a button press: its message (or its ephemeral container) and response_url. */
function originOf(body: BlockAction, value: QaButtonValue | undefined): Origin {
  const container = body.container as { is_ephemeral?: boolean; channel_id?: string; message_ts?: string } | undefined;
  const ephemeral = container?.is_ephemeral === true;
  const channel = body.channel?.id ?? container?.channel_id;
  const ts = body.message?.ts ?? container?.message_ts;
  const blocks = (body.message as { blocks?: Block[] } | undefined)?.blocks;
  return {
    ephemeral,
    ...(channel ? { channel } : {}),
    ...(ts ? { ts } : {}),
    ...(body.response_url ? { responseUrl: body.response_url } : {}),
    ...(value?.list?.length ? { list: value.list.filter((n) => Number.isInteger(n)).slice(0, 50) } : {}),
    ...(blocks ? { blocks } : {}),
  };
}

const buttonValue = (action: unknown): QaButtonValue | undefined => {
  const v = parseJson<unknown>((action as ButtonAction).value);
  return isButtonValue(v) ? v : undefined;
};

function registerQaCommand(app: App, { log, deps }: QaContext, work: QaWork): void {
  app.command('/qa', async ({ command, ack, respond, client }) => {
    if (isQaMine(command.text)) {
      await ack();
      return respondMine(deps, command.user_id, respond, log);
    }
    const cmd = parseQaCommand(command.text ?? '');
    if (cmd.kind === 'help') return void (await ack(qaHelp(cmd.problem)));
    await ack();
    const user = command.user_id;
    const origin: Origin = { responseUrl: command.response_url, channel: command.channel_id };
    try {
      switch (cmd.kind) {
        case 'queue':
          return await work.queue(client, cmd, user, command.channel_id, respond);
        case 'show':
          return void (await respond(await work.show(user, cmd.sessionId, 0)));
        case 'stats':
          return void (await respond(await work.stats(user, cmd.periodText)));
        case 'review':
          return await openReview(deps, client, { user, sessionId: cmd.sessionId, triggerId: command.trigger_id, responseUrl: command.response_url, channel: command.channel_id }, respond);
        case 'dispute':
          return await disputeCommand(deps, user, cmd.sessionId, cmd.reason, respond);
        case 'disputes':
          return await disputesCommand(deps, user, respond);
        case 'calibrate':
          return await calibrateCommand(deps, user, cmd.sessionId, respond);
        case 'calibration':
          return await calibrationCommand(deps, client, {
            user, calibrationId: cmd.calibrationId, ...(cmd.close ? { close: true as const } : {}), triggerId: command.trigger_id, responseUrl: command.response_url, channel: command.channel_id,
          }, respond);
        case 'rules':
          return void (await respond(await rulesReply(deps, user, cmd)));
        case 'assigned':
          return void (await respond(await assignedReply(deps, user)));
        case 'workload':
          return void (await respond(await workloadReply(deps, user)));
        case 'lowconf':
          return void (await respond(await lowconfReply(deps, user, cmd)));
        case 'label':
          return void (await respond(await labelReply(deps, user, cmd)));
        case 'change':
          if (!cmd.text && cmd.to !== 'passed') return await work.askForText(client, user, command.trigger_id, cmd.sessionId, cmd.to, undefined, origin);
          return await work.applyChange(client, user, cmd.sessionId, cmd.to, cmd.text, undefined, origin);
      }
    } catch (err) {
      log.error({ err, user, text: command.text }, 'slack: /qa failed');
      await respond(notice('Sorry, that did not work just now. Nothing was changed; please try again in a minute.')).catch(() => {});
    }
  });
}

function registerQaInteractions(app: App, { log }: QaContext, work: QaWork): void {
  const onButton = (to: QaTarget) =>
    app.action<BlockAction>(to === 'passed' ? QA_ACTION.pass : to === 'issue' ? QA_ACTION.issue : QA_ACTION.fixed, async ({ ack, body, action, client, respond }) => {
      await ack();
      const value = buttonValue(action);
      if (!value) return void (await respond({ response_type: 'ephemeral', replace_original: false, text: 'That button is not one I can read. Nothing changed.' }));
      const origin = originOf(body, value);
      try {
        if (to === 'passed') await work.applyChange(client, body.user.id, value.sessionId, to, undefined, value.version, origin);
        else await work.askForText(client, body.user.id, body.trigger_id, value.sessionId, to, value.version, origin);
      } catch (err) {
        log.error({ err, user: body.user.id, sessionId: value.sessionId }, 'slack: QA button failed');
        await respond({ response_type: 'ephemeral', replace_original: false, text: 'Sorry, that did not work just now. Nothing was changed.' }).catch(() => {});
      }
    });
  onButton('passed');
  onButton('issue');
  onButton('fixed');

  app.action<BlockAction>(QA_ACTION.show, async ({ ack, body, action, respond }) => {
    await ack();
    const value = parseJson<Partial<QaButtonValue>>((action as ButtonAction).value);
    if (!value || !Number.isInteger(value.sessionId)) return;
    try {
      await respond({ ...(await work.show(body.user.id, value.sessionId!, 0)), replace_original: false });
    } catch (err) {
      log.error({ err, user: body.user.id }, 'slack: QA show failed');
    }
  });

  app.action<BlockAction>(new RegExp(`^${QA_ACTION.page}`), async ({ ack, body, action, respond }) => {
    await ack();
    const value = parseJson<QaPageValue>((action as ButtonAction).value);
    if (!value || !Number.isInteger(value.sessionId) || !Number.isInteger(value.offset) || value.offset < 0) return;
    try {
      // the transcript is ephemeral: its pages replace each other
      await respond({ ...(await work.show(body.user.id, value.sessionId, value.offset)), replace_original: true });
    } catch (err) {
      log.error({ err, user: body.user.id }, 'slack: QA transcript page failed');
    }
  });

  app.view(QA_MODAL, async ({ ack, view, body, client }) => {
    const meta = parseJson<ModalMeta>(view.private_metadata);
    const text = view.state.values[NOTES_BLOCK]?.[NOTES_INPUT]?.value?.trim() ?? '';
    // answered inside the ack: Slack shows these under the field and keeps the modal open
    if (!text) return void (await ack({ response_action: 'errors', errors: { [NOTES_BLOCK]: 'Please write what happened.' } }));
    if (text.length > NOTES_MAX) return void (await ack({ response_action: 'errors', errors: { [NOTES_BLOCK]: `At most ${NOTES_MAX} characters (${text.length} now).` } }));
    await ack();
    if (!meta || !Number.isInteger(meta.sessionId) || (meta.to !== 'issue' && meta.to !== 'fixed')) {
      log.warn({ user: body.user.id }, 'slack: QA modal without readable metadata');
      return;
    }
    try {
      await work.applyChange(client, body.user.id, meta.sessionId, meta.to, text, meta.version, meta.origin ?? {});
    } catch (err) {
      log.error({ err, user: body.user.id, sessionId: meta.sessionId }, 'slack: QA modal failed');
      await work.tell(client, body.user.id, meta.origin ?? {}, notice('Sorry, that did not work just now. Nothing was changed.'));
    }
  });
}

export function registerQa(app: App, deps: SlackDeps, opts: QaSlackOptions = {}): void {
  const ctx: QaContext = { deps, log: deps.logger.child({ component: 'slack', command: '/qa' }), tz: deps.config.businessTimezone, opts };
  const work = { ...qaWork(ctx), ...qaReads(ctx) };
  registerQaCommand(app, ctx, work);
  registerQaInteractions(app, ctx, work);
  registerQaReview(app, deps);
  registerQaDisputes(app, deps);
}
