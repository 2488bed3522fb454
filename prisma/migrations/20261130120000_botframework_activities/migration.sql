-- Bot Framework activities taken by the bot (issue 5). A channel that retries an activity
-- (same channel, conversation and activity id) finds its key here and is not answered twice,
-- across restarts and instances. Rows older than a few days are pruned by the service.

-- CreateTable
CREATE TABLE "botframework_activities" (
    "channel_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "activity_id" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "botframework_activities_pkey" PRIMARY KEY ("channel_id","conversation_id","activity_id")
);

-- CreateIndex
CREATE INDEX "botframework_activities_received_at_idx" ON "botframework_activities"("received_at");
