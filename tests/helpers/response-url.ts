import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for Slack's response_url endpoints (hooks.slack.com/commands/…, /actions/…): it
// records every JSON body posted to any path and answers 200 "ok", as Slack does, or, like
// Slack, HTTP 400 `invalid_blocks` when the blocks break Block Kit's limits (recorded with `error`).
import { blockTextChars, MESSAGE_BLOCKS_CHARS, slackBlockProblems } from './fake-slack.ts';

export interface RecordedResponse {
  path: string;
  body: Record<string, unknown>;
  /** set when the body was refused (`invalid_blocks`, `msg_blocks_too_long`) */
  error?: string;
}

export interface ResponseRecorder {
  /** http://127.0.0.1:<port>; any path under it is a response_url */
  base: string;
  /** everything posted so far, in order (clear with `responses.length = 0`) */
  responses: RecordedResponse[];
  close(): Promise<void>;
}

export async function startResponseRecorder(): Promise<ResponseRecorder> {
  const responses: RecordedResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const blocks = body.blocks;
      const error = slackBlockProblems(blocks, 50) ? 'invalid_blocks' : Array.isArray(blocks) && blockTextChars(blocks) > MESSAGE_BLOCKS_CHARS ? 'msg_blocks_too_long' : undefined;
      responses.push({ path: req.url ?? '', body, ...(error ? { error } : {}) });
      if (error) res.writeHead(400, { 'content-type': 'text/plain' }).end(error);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    responses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
