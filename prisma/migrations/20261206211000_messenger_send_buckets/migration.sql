-- The Send API's per-page token bucket, shared by every instance (issue 21): one row per page,
-- refilled by elapsed time and taken from in the same UPDATE, so several processes sending for
-- one page together stay within the page's rate. `tokens` may go below zero: tokens reserved by
-- senders that wait for them. `refilled_ms` is the senders' clock (epoch ms) of the last take.
CREATE TABLE "messenger_send_buckets" (
    "page_id" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL,
    "refilled_ms" BIGINT NOT NULL,

    CONSTRAINT "messenger_send_buckets_pkey" PRIMARY KEY ("page_id")
);

-- The reply worker claims, per conversation, its earliest pending event: the "no earlier
-- pending event" probe reads only pending rows.
CREATE INDEX "messenger_events_pending_conversation_idx" ON "messenger_events"("conversation_id", "timestamp", "id") WHERE "state" = 'pending';
