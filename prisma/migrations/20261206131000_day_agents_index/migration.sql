-- "CSI (or a pillar) by agent" reads a period's conversation-days with their human agents
-- (20261206130000_reply_facts); with human_agents in the covering index it stays an index-only
-- scan like the other conversation-day questions instead of reading the table.

-- DropIndex
DROP INDEX "daily_analyses_day_csi_idx";

-- CreateIndex
CREATE INDEX "daily_analyses_day_csi_idx" ON "daily_analyses"("day", "csi", "conversation_id", "effectiveness", "effort", "efficiency", "empathy", "human_agents");
