import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A local stand-in for Slack's Socket Mode WebSocket endpoint (https://docs.slack.dev/apis/events-api/using-socket-mode):
// the URL that apps.connections.open hands out (see fake-slack's `socketModeUrl`). On connect it
// sends `hello`; `send()` pushes envelopes (events_api, slash_commands, interactive) and the
// client's acks (`{ envelope_id, payload? }`) are recorded. It speaks just enough RFC 6455 for
// that: the opening handshake, unmasked server text frames, masked client frames, ping → pong,
// close. (No WebSocket server package is a direct dependency of the project.)

export interface Envelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands' | 'interactive';
  payload: unknown;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface FakeSocketMode {
  /** ws://… URL for apps.connections.open */
  url: string;
  /** acks received from the client, in order */
  acks: { envelope_id: string; payload?: unknown }[];
  /** resolves when a client has connected and been sent `hello` */
  connected(): Promise<void>;
  send(envelope: Envelope): void;
  close(): Promise<void>;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]) : Buffer.alloc(10);
  if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Reads complete client frames off `buf`; returns them and the unread rest. */
function readFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let pos = 0;
  while (buf.length - pos >= 2) {
    const opcode = buf[pos]! & 0x0f;
    const masked = (buf[pos + 1]! & 0x80) !== 0;
    let len = buf[pos + 1]! & 0x7f;
    let at = pos + 2;
    if (len === 126) {
      if (buf.length < at + 2) break;
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      if (buf.length < at + 8) break;
      len = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    const maskAt = at;
    if (masked) at += 4;
    if (buf.length < at + len) break;
    const payload = Buffer.from(buf.subarray(at, at + len));
    if (masked) for (let i = 0; i < len; i++) payload[i]! ^= buf[maskAt + (i % 4)]!;
    frames.push({ opcode, payload });
    pos = at + len;
  }
  return { frames, rest: buf.subarray(pos) };
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const acks: FakeSocketMode['acks'] = [];
  const sockets = new Set<Socket>();
  let current: Socket | undefined;
  let onConnected: (() => void) | undefined;
  const connectedOnce = new Promise<void>((resolve) => (onConnected = resolve));

  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') return void socket.destroy();
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    current = socket;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x1) acks.push(JSON.parse(f.payload.toString('utf8')) as FakeSocketMode['acks'][number]);
        else if (f.opcode === 0x9) socket.write(frame(0xa, f.payload));
        else if (f.opcode === 0x8) socket.end(frame(0x8, f.payload.subarray(0, 2)));
      }
    });
    socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-socket-mode' }, connection_info: { app_id: 'A0FAKE' } }))));
    onConnected?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}/link/?ticket=fake`,
    acks,
    connected: () => connectedOnce,
    send: (envelope) => {
      if (!current) throw new Error('fake Socket Mode: no client connected');
      current.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
