/**
 * A minimal WebSocket server (RFC 6455) on 127.0.0.1 that records the text messages clients send:
 * a stand-in for a Stately inspector relay. Written out here because no WebSocket server library
 * with types is installed (`ws` comes untyped, as a dependency of @statelyai/inspect).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The GUID every WebSocket handshake hashes with the client's key (RFC 6455, section 1.3). */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** A running sink. */
export interface WebSocketSink {
  /** `ws://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every text message received, oldest first. */
  readonly messages: string[];
  /** Connections opened so far, and how many are open now. */
  connections(): { opened: number; open: number };
  close(): Promise<void>;
}

/** One frame read from the front of `buffer`, or null when the buffer holds no complete frame. */
function readFrame(buffer: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buffer.length < 2) return null;
  const first = buffer[0] ?? 0;
  const second = buffer[1] ?? 0;
  let offset = 2;
  let size = second & 0x7f;
  if (size === 126) {
    if (buffer.length < 4) return null;
    size = buffer.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (buffer.length < 10) return null;
    size = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (second & 0x80) !== 0;
  const maskStart = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + size) return null;
  const payload = Buffer.from(buffer.subarray(offset, offset + size));
  if (masked) {
    for (let index = 0; index < payload.length; index += 1) {
      payload[index] = (payload[index] ?? 0) ^ (buffer[maskStart + (index % 4)] ?? 0);
    }
  }
  return { opcode: first & 0x0f, payload, length: offset + size };
}

/** An unmasked server frame with a payload under 126 bytes (close and pong frames). */
function controlFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

/** Starts a sink on a free port. Fragmented messages are not supported: the relay client does not send them. */
export async function startWebSocketSink(): Promise<WebSocketSink> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  let opened = 0;
  const server = createServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain' });
    response.end('a WebSocket upgrade is expected');
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    const key = request.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1').update(`${key}${HANDSHAKE_GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    opened += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let frame = readFrame(pending); frame !== null; frame = readFrame(pending)) {
        pending = pending.subarray(frame.length);
        if (frame.opcode === OPCODE_TEXT) messages.push(frame.payload.toString('utf8'));
        else if (frame.opcode === OPCODE_PING) socket.write(controlFrame(OPCODE_PONG, frame.payload));
        else if (frame.opcode === OPCODE_CLOSE) {
          socket.end(controlFrame(OPCODE_CLOSE, frame.payload.subarray(0, 2)));
          return;
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the WebSocket sink has no TCP address');
  return {
    url: `ws://127.0.0.1:${address.port}`,
    messages,
    connections: () => ({ opened, open: sockets.size }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
