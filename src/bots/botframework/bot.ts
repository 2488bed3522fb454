import {
  ActivityHandler,
  ActivityTypes,
  DeliveryModes,
  TurnContext,
  type Activity,
  type ChannelAccount,
  type ConversationReference,
} from 'botbuilder';
import type { FastifyBaseLogger } from 'fastify';
import type { Assistant } from '../../agents/assistant/assistant.ts';
import { mayAskAnalytics, type Caller, type Role } from '../../domain/access.ts';
import type { ActivityClaims } from './recent-activities.ts';
import { answerActivity, errorActivity, helpActivity, refusalActivity, welcomeActivity } from './render.ts';

export interface PulseBotDeps {
  assistant: Assistant;
  /** the caller behind the activity's sender (users table, platform 'botframework') */
  callerOf(from: ChannelAccount): Promise<Caller>;
  /** sends an activity into a conversation after its turn has ended (a proactive message) */
  sendLater(reference: Partial<ConversationReference>, activity: Partial<Activity>): Promise<void>;
  /** records a failure (log + error_logs); returns a reference the user can quote */
  reportError(err: unknown, context: Record<string, unknown>): Promise<string>;
  log: FastifyBaseLogger;
  /** an answer ready within this is sent inside the turn; a slower one proactively */
  replyWithinMs: number;
  /** ASSISTANT_MIN_ROLE: the lowest role that may ask; undefined = anyone */
  minRole?: Role;
  /** durable claim of each activity id (botframework_activities) */
  claims: ActivityClaims;
}

const TOO_SLOW = Symbol('too slow');

/**
 * The team-lead assistant as a Bot Framework bot: a message goes to the same assistant as
 * Slack (memory per conversation), members added get a welcome. Channels give a turn about
 * 15 s, so the answer is sent inside the turn only when it is ready within `replyWithinMs`;
 * otherwise the turn ends (the HTTP request is answered) and the answer follows as a proactive
 * message. Nothing outside a turn touches its TurnContext: later work holds only the plain
 * activity fields and a conversation reference.
 */
export class PulseBot extends ActivityHandler {
  /** the tail of each conversation's questions: one at a time per conversation, in order */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: PulseBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.message(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const bot = context.activity.recipient?.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id !== bot)) await context.sendActivity(welcomeActivity());
      await next();
    });
  }

  /** Resolves when every answer still being delivered proactively has been sent (or failed). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async message(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const key = activity.id ? { channelId: activity.channelId, conversationId: activity.conversation.id, activityId: activity.id } : undefined;
    if (key && !(await this.deps.claims.firstTime(key))) {
      this.deps.log.info({ activityId: activity.id, conversation: activity.conversation.id }, 'botframework: duplicate activity ignored');
      return;
    }
    // Copied now: the answer may be computed after this turn is over.
    const question = (TurnContext.removeRecipientMention(activity) ?? '').trim();
    const from = { ...activity.from };
    const conversationId = activity.conversation.id;
    const work = this.inOrder(conversationId, () => this.answer(question, from, conversationId, activity.id));

    // expectReplies: the caller reads every reply from this HTTP response, so there is no later.
    if (activity.deliveryMode === DeliveryModes.ExpectReplies) {
      await context.sendActivity(await work);
      return;
    }
    await context.sendActivity({ type: ActivityTypes.Typing }).catch((err: unknown) => {
      this.deps.log.warn({ err }, 'botframework: typing indicator not delivered');
    });
    const first = await raceTimeout(work, this.deps.replyWithinMs);
    if (first !== TOO_SLOW) {
      await context.sendActivity(first);
      return;
    }
    const reference = TurnContext.getConversationReference(activity);
    this.deps.log.info({ conversation: conversationId, afterMs: this.deps.replyWithinMs }, 'botframework: answer is slow, replying proactively');
    this.track(
      work
        .then((reply) => this.deps.sendLater(reference, reply))
        .catch(async (err: unknown) => {
          await this.deps.reportError(err, { stage: 'proactive reply', conversation: conversationId, activityId: activity.id });
        }),
    );
  }

  /** The reply to a question; a failure becomes the friendly error message, never a rejection. */
  private async answer(question: string, from: ChannelAccount, conversationId: string, activityId?: string): Promise<Partial<Activity>> {
    if (!question) return helpActivity();
    try {
      const caller = await this.deps.callerOf(from);
      if (!mayAskAnalytics(caller.role, this.deps.minRole)) return refusalActivity(caller.role, this.deps.minRole ?? 'agent');
      const reply = await this.deps.assistant.ask({ channel: 'botframework', threadKey: conversationId, userId: caller.userId }, question, { caller });
      return answerActivity(reply);
    } catch (err) {
      const reference = await this.deps.reportError(err, { stage: 'answer', conversation: conversationId, activityId, user: from.id });
      return errorActivity(reference);
    }
  }

  private inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

async function raceTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TOO_SLOW> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TOO_SLOW>((resolve) => {
    timer = setTimeout(() => resolve(TOO_SLOW), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
