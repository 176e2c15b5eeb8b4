import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../../lib/errors';

/** The little the connector's HTTP servers (api, codec server) share: body reading, bearer tokens, listen/close. */

export class BadRequest extends Error {}

export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BadRequest(`body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `Authorization: Bearer <token>`, compared in constant time (hashes first: lengths must not leak either). */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!given) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** `portSetting` names what to change when the port is taken (e.g. CONNECTOR_API_PORT or --port). */
export async function listen(
  server: http.Server,
  port: number,
  host = '127.0.0.1',
  portSetting = '--port',
): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(`port ${port} on ${host} is already taken: stop what uses it, or set ${portSetting}`)
          : err,
      ),
    );
    server.listen(port, host, () => (server.removeAllListeners('error'), resolve()));
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
