import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError } from '../lib/config';
import type { Logger } from '../lib/logger';
import {
  App,
  bearerToken,
  createApp,
  HttpError,
  listen,
  localHostNames,
  onlyMethods,
  RunningServer,
  tokenMatches,
} from './app';

/**
 * The Temporal UI's remote codec (https://docs.temporal.io/production-deployment/data-encryption): the browser posts
 * the payloads it shows to <endpoint>/decode (and typed ones to <endpoint>/encode) as JSON, every byte field in base64.
 * It decodes with the keys of the data converter (lib/payload-codec.ts), so it answers only:
 * - with the token, as `Authorization: Bearer <token>` (the Temporal CLI's --codec-auth, curl) or as the endpoint's
 *   path, `http://127.0.0.1:8888/<token>` (the UI sends no header of ours: it posts to endpoint + "/decode");
 * - to a Host that names this server, and from an allowed browser Origin: a web page cannot reach it by DNS rebinding.
 */
export const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const CODEC_TOKEN_MISSING =
  'CONNECTOR_CODEC_TOKEN is not set: the codec server decrypts payloads for whoever calls it. Set a long random token (e.g. `openssl rand -hex 32`), then give the Temporal UI the endpoint http://<host>:<port>/<token>';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Required: CONNECTOR_CODEC_TOKEN, or the one `connector start` generates. */
  token: string;
  port: number;
  host?: string;
  /** Browser origins allowed to call (the Temporal UI's address). */
  origins?: string[];
  /** Host names it answers to besides its own addresses and localhost (a reverse proxy's name). */
  hosts?: string[];
  logger?: Logger;
}

export interface CodecServer extends RunningServer {
  /** What to paste as the Temporal UI's codec endpoint (or pass as --ui-codec-endpoint): the URL with the token. */
  uiEndpoint: string;
}

const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string({ error: 'every metadata value must be base64 text' })).optional(),
  data: z.string().optional(),
});
type JsonPayload = z.infer<typeof jsonPayload>;
const payloadsBody = z.object({ payloads: z.array(jsonPayload) });

export function payloadFromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

export function payloadToJson(p: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {}))
    metadata[k] = Buffer.from(v ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

function registerCodecRoutes(app: App, options: CodecServerOptions): void {
  const refuse = () => {
    throw new HttpError(
      401,
      'unauthorized',
      'missing or wrong codec token: send Authorization: Bearer <token>, or use the endpoint URL with the token that `connector start` printed',
      { headers: { 'www-authenticate': 'Bearer' } },
    );
  };
  const convert = async (operation: 'decode' | 'encode', body: z.infer<typeof payloadsBody>, namespace: unknown) => {
    const payloads = body.payloads.map(payloadFromJson);
    let out: Payload[];
    try {
      out = operation === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
    } catch (err) {
      // A payload we cannot decode (unknown key id, tampered bytes) is the caller's to see, not a crash.
      throw new HttpError(422, 'undecodable', (err as Error).message);
    }
    options.logger?.debug({ operation, namespace, payloads: payloads.length }, 'codec request');
    return { payloads: out.map(payloadToJson) };
  };
  const schema = { body: payloadsBody };
  const config = { bodyHint: 'body must be JSON: {"payloads":[{"metadata":{...},"data":"..."}]}' };
  for (const operation of ['decode', 'encode'] as const) {
    app.post(`/${operation}`, { schema, config }, async (request) => {
      if (!tokenMatches(bearerToken(request.headers.authorization), options.token)) refuse();
      return convert(operation, request.body, request.headers['x-namespace']);
    });
    app.post(
      `/:token/${operation}`,
      { schema: { ...schema, params: z.object({ token: z.string() }) }, config },
      async (request) => {
        if (!tokenMatches(request.params.token, options.token)) refuse();
        return convert(operation, request.body, request.headers['x-namespace']);
      },
    );
    onlyMethods(app, `/${operation}`, ['POST'], `use POST /${operation}`);
  }
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (!options.token) throw new ConfigError(CODEC_TOKEN_MISSING);
  const host = options.host ?? '127.0.0.1';
  const origins = options.origins ?? DEFAULT_UI_ORIGINS;
  const app = createApp({
    name: 'codec-server',
    logger: options.logger,
    bodyLimit: MAX_BODY_BYTES,
    notFound: 'not found: POST /decode or /encode',
    hosts: localHostNames(host, options.hosts),
    origins,
  });
  // Only the UI's own origins get CORS headers; the preflight carries no credentials, so it needs no token.
  await app.register(cors, {
    origin: origins,
    credentials: true,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    maxAge: 600,
  });
  registerCodecRoutes(app, options);
  const server = await listen(app, { port: options.port, host, portSetting: 'CONNECTOR_CODEC_PORT or --port' });
  return { ...server, uiEndpoint: `${server.url}/${encodeURIComponent(options.token)}` };
}
