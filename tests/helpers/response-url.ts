import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for Slack's response_url endpoints (hooks.slack.com/commands/…, /actions/…): it
// records every JSON body posted to any path and answers 200 "ok", as Slack does.

export interface RecordedResponse {
  path: string;
  body: Record<string, unknown>;
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
      responses.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    responses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
