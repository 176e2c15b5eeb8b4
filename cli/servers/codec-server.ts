import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from '../../lib/logger';
import { BadRequest, bearerTokenMatches, listen, readBody, RunningServer } from './http';

/**
 * The Temporal UI's remote codec (https://docs.temporal.io/production-deployment/data-encryption): the browser posts
 * the payloads it shows to /decode (and typed ones to /encode) as JSON, with every byte field in base64.
 * It lives next to the data converter's codec (lib/payload-codec.ts) and uses the same keys from configuration.
 */
export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CodecServerOptions {
  /** A codec, or a function that resolves it on first use (`connector start` creates the demo key after the server). */
  codec: PayloadCodec | (() => PayloadCodec | undefined);
  port: number;
  host?: string;
  /** Browser origins allowed to call (the Temporal UI's address). */
  origins?: string[];
  /** When set, /encode and /decode need `Authorization: Bearer <token>`. */
  token?: string;
  logger?: Logger;
}

export type CodecServer = RunningServer;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadFromJson(p: JsonPayload): Payload {
  if (typeof p !== 'object' || p === null) throw new BadRequest('every payload must be an object {metadata, data}');
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) {
    if (typeof v !== 'string') throw new BadRequest(`metadata.${k} must be base64 text`);
    metadata[k] = Buffer.from(v, 'base64');
  }
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {}))
    metadata[k] = Buffer.from(v ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.origins ?? DEFAULT_UI_ORIGINS);
  let resolved: PayloadCodec | undefined = typeof options.codec === 'function' ? undefined : options.codec;
  const codec = (): PayloadCodec => {
    resolved ??= (options.codec as () => PayloadCodec | undefined)();
    if (!resolved) throw new Error('no payload key configured: set CONNECTOR_PAYLOAD_KEY or CONNECTOR_SECRET_KEY');
    return resolved;
  };

  const server = http.createServer((req, res) => {
    const origin = req.headers.origin;
    // Only the UI's own origins get CORS headers; other browsers' pages cannot read the answers.
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (path !== '/decode' && path !== '/encode') return send(404, { error: 'not found: POST /decode or /encode' });
    if (req.method !== 'POST') return send(405, { error: `use POST ${path}` });
    if (options.token && !bearerTokenMatches(req.headers.authorization, options.token)) {
      return send(401, { error: 'missing or wrong bearer token: send Authorization: Bearer <token>' });
    }
    void (async () => {
      let body: { payloads?: JsonPayload[] };
      try {
        body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
      } catch (err) {
        return send(400, {
          error:
            err instanceof BadRequest
              ? err.message
              : 'body must be JSON: {"payloads":[{"metadata":{...},"data":"..."}]}',
        });
      }
      if (!Array.isArray(body?.payloads))
        return send(400, { error: 'body must look like {"payloads":[{"metadata":{...},"data":"..."}]}' });
      try {
        const payloads = body.payloads.map(payloadFromJson);
        const out = path === '/decode' ? await codec().decode(payloads) : await codec().encode(payloads);
        options.logger?.debug(
          { path, namespace: req.headers['x-namespace'], payloads: payloads.length },
          'codec request',
        );
        send(200, { payloads: out.map(payloadToJson) });
      } catch (err) {
        // A payload we cannot decode (unknown key id, tampered bytes) is the caller's problem to see, not a crash.
        send(err instanceof BadRequest ? 400 : 422, { error: (err as Error).message });
      }
    })().catch((err) => {
      options.logger?.error({ err }, 'codec server failed');
      if (!res.headersSent) send(500, { error: 'internal error' });
    });
  });

  return listen(server, options.port, options.host, 'CONNECTOR_CODEC_PORT or --port');
}
