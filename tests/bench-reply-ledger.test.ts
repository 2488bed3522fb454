import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplyLedger } from '../bench/lib/replies.ts';
import { startRemoteGraph, type RemoteGraph } from '../bench/lib/remote-graph.ts';
import type { GraphCall } from './helpers/fake-graph.ts';

// The messenger bench's checks on the replies Meta received (bench/lib/replies.ts), kept call by
// call in the fake Graph's own process (bench/lib/graph-process.ts) instead of the calls themselves.

const reply = (psid: string, i: number, at: number, token = 'T1'): GraphCall => ({
  method: 'POST', path: '/v26.0/me/messages', token, status: 200, at,
  body: { recipient: { id: psid }, message: { text: 'hi', metadata: `supportpulse:bot:reply:m_bench_${i}` } },
  response: { recipient_id: psid, message_id: `m_fake_${i}` },
});

describe('ReplyLedger', () => {
  it('counts replies per delivery range, a second reply to a delivery, replies out of a customer\'s order, and a page\'s busiest second', () => {
    const l = new ReplyLedger();
    l.add(reply('A', 0, 0), 1_000);
    l.add(reply('A', 2, 10), 1_010);
    l.add(reply('A', 1, 20), 1_020); // A's 1 after A's 2: out of order
    l.add(reply('B', 3, 30), 1_030);
    l.add(reply('B', 3, 40), 1_040); // answered twice
    l.add({ ...reply('B', 4, 50), body: { recipient: { id: 'B' }, sender_action: 'typing_on' } }, 1_050); // counts for the page, answers nothing
    l.add(reply('C', 5, 1_015), 2_015); // 0 and 10 are more than a second before: the window holds 20..1015
    l.add(reply('D', 6, 60, 'T2'), 1_060); // another page
    expect(l.answered(0, 6)).toEqual({ answered: 5, lastAt: 2_015, answeredBy: 5 });
    expect(l.answered(0, 6, 1_020)).toMatchObject({ answeredBy: 3 });
    expect(l.answered(6, 7)).toEqual({ answered: 1, lastAt: 1_060, answeredBy: 1 });
    expect(l.checks()).toEqual({ answeredTwice: 1, orderViolations: 1, maxCallsPerPagePerS: 6, messagesSent: 7 });
  });
});

describe('the fake Graph in a process of its own', () => {
  let graph: RemoteGraph;
  beforeAll(async () => {
    graph = await startRemoteGraph(['T1']);
  });
  afterAll(async () => {
    await graph?.close();
  });

  it('answers the Send API like the fake it runs and reports only the checks', async () => {
    expect(graph.pid).not.toBe(process.pid);
    const send = (i: number) =>
      fetch(`${graph.apiUrl}/me/messages?access_token=T1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ recipient: { id: 'PSID1' }, messaging_type: 'RESPONSE', message: { text: `r${i}`, metadata: `supportpulse:bot:reply:m_bench_${i}` } }),
      });
    const first = await send(0);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ recipient_id: 'PSID1', message_id: expect.stringMatching(/^m_fake_/) });
    await (await send(1)).text();
    await (await send(1)).text();
    const bad = await fetch(`${graph.apiUrl}/me/messages?access_token=nope`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(await graph.answered(0, 2)).toMatchObject({ answered: 2, answeredBy: 2 });
    expect(await graph.checks()).toEqual({ answeredTwice: 1, orderViolations: 0, maxCallsPerPagePerS: 3, messagesSent: 3 });
  });
});
