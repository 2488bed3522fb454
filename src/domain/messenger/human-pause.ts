// Humans first (issue 19): a person who writes to the customer from another inbox (Meta Business
// Suite, another app with the page's inbox) owns the conversation for a while, and the bot does
// not answer over them. Their message arrives as an echo and is stored as a human agent's; the
// bot starts again `pauseMinutes` after the last one. Our Slack desk's handoffs have their own
// state, which Resume bot ends at once.

/** Whether the bot must stay quiet for a customer message sent at `at`. */
export function humanIsTalking(lastHumanAt: Date | null, at: Date, pauseMinutes: number): boolean {
  if (!lastHumanAt || pauseMinutes <= 0) return false;
  return at.getTime() - lastHumanAt.getTime() < pauseMinutes * 60_000;
}
