import { startFakeGraph } from '../../tests/helpers/fake-graph.ts';
import { ReplyLedger } from './replies.ts';

// The messenger bench's fake Graph API (tests/helpers/fake-graph.ts, the same wire format) in a
// process of its own, started by remote-graph.ts. Meta's Send API is a remote server: inside the
// service's process the fake answered ~330 calls/s on the service's event loop and kept every
// call with its body (~53,000 per ten-flood bench, 100-400 MB of the service's heap), so its
// work and its garbage (mark-compacts of 33-46 ms during floods) landed on the thread that
// acknowledges webhooks. Here it keeps only what the bench checks (ReplyLedger) and answers the
// bench's questions over IPC.

type Request = { id: number; op: 'answered'; from: number; to: number; until?: number } | { id: number; op: 'checks' };

const tokens = JSON.parse(process.env.FAKE_GRAPH_TOKENS ?? '[]') as string[];
process.title = 'fake graph api';
const ledger = new ReplyLedger();
// onCall runs as the call is answered: Date.now() is the call's `at` on the wall clock the bench reads
const graph = await startFakeGraph({ tokens, keepCalls: false, onCall: (c) => ledger.add(c, Date.now()) });
// the bench that started it is gone: so is its Graph API
process.on('disconnect', () => void graph.close().then(() => process.exit(0)));
process.on('message', (m: Request | 'close') => {
  if (m === 'close') return void graph.close().then(() => process.disconnect());
  const result = m.op === 'answered' ? ledger.answered(m.from, m.to, m.until ?? Infinity) : ledger.checks();
  process.send!({ id: m.id, result });
});
process.send!({ ready: graph.apiUrl });
