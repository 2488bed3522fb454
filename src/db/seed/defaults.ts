// The demo dataset's default size, apart from the seeder so that `pulse db seed --help` can show
// it without loading any database code.

/** About 25k messages: seeds in a few seconds on first start. */
export const DEFAULT_DEMO_CONVERSATIONS = 2400;
