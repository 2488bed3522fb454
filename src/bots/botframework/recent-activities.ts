import type pg from 'pg';

/** Claims an activity: true the first time its key is offered, false for every repeat. */
export interface ActivityClaims {
  firstTime(key: { channelId: string; conversationId: string; activityId: string }): Promise<boolean>;
}

/** How long an activity id is remembered: channels retry within seconds to minutes. */
const KEEP_DAYS = 7;
const PRUNE_EVERY = 1000;

/**
 * Activity ids kept in Postgres, so a channel's retry of the same activity is not answered
 * twice, whether it reaches this instance, another one or this one after a restart. The Bot
 * Framework has no retry header like Slack's: the (channel, conversation, activity id) key is
 * the only handle. Old keys are pruned now and then by whoever claims.
 */
export class DurableActivities implements ActivityClaims {
  private claims = 0;

  constructor(private readonly pool: pg.Pool) {}

  async firstTime(key: { channelId: string; conversationId: string; activityId: string }): Promise<boolean> {
    const res = await this.pool.query(
      `INSERT INTO botframework_activities (channel_id, conversation_id, activity_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [key.channelId, key.conversationId, key.activityId],
    );
    if (++this.claims % PRUNE_EVERY === 0) {
      await this.pool.query(`DELETE FROM botframework_activities WHERE received_at < now() - make_interval(days => $1)`, [KEEP_DAYS]);
    }
    return res.rowCount === 1;
  }
}
