import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLarge, parseJson as parseJsonBody, readBody as readWholeBody } from '../lib/http-body';

/** One SP-API error, as every model defines it. */
export interface SpApiError {
  code: string;
  message: string;
  details?: string;
}

/** What a route answers; the server adds Amazon's headers and writes it. */
export interface Reply {
  status: number;
  /** JSON body; omitted for 204. */
  body?: unknown;
  /** A raw body (feed documents, XML errors of the document store, HTML). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Thrown by routes for any 4xx/5xx with Amazon's `{errors:[...]}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: SpApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

export function errorReply(status: number, code: string, message: string, details = ''): Reply {
  return { status, body: { errors: [{ code, message, details }] } };
}

/** 400 InvalidInput: the code Orders, FBA Inventory and Sellers use for a bad parameter. Like most of Amazon's
 * errors it carries `details` (empty when the message says it all). */
export function invalidInput(message: string, details = ''): HttpError {
  return new HttpError(400, [{ code: 'InvalidInput', message, details }]);
}

export function notFound(code: string, message: string): HttpError {
  return new HttpError(404, [{ code, message, details: '' }]);
}

export const ok = (body: unknown, status = 200): Reply => ({ status, body });

export function requestId(): string {
  return crypto.randomUUID();
}

/** Reads the whole request body, refusing more than `limit` bytes (413, as Amazon's gateway does). */
export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  try {
    return await readWholeBody(req, limit);
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    throw new HttpError(413, [{ code: 'RequestEntityTooLarge', message: `The request body exceeds ${limit} bytes.` }]);
  }
}

/** Parses a JSON request body; an empty body is `undefined`. */
export function parseJson(raw: Buffer, what = 'request body'): unknown {
  try {
    return parseJsonBody(raw);
  } catch {
    throw invalidInput(`The ${what} is not valid JSON.`);
  }
}

/**
 * Query access in the two array styles Amazon accepts: comma-delimited (what the amazon-sp-api client sends) and
 * repeated keys.
 */
export class Query {
  /** `code`: the error code of a bad parameter (InvalidInput; the Listings API says BAD_REQUEST). */
  constructor(
    readonly params: URLSearchParams,
    private readonly code = 'InvalidInput',
  ) {}

  private bad(message: string): HttpError {
    return new HttpError(400, [{ code: this.code, message }]);
  }

  get(name: string): string | undefined {
    const value = this.params.get(name);
    return value === null ? undefined : value;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  list(name: string): string[] | undefined {
    const all = this.params.getAll(name);
    if (all.length === 0) return undefined;
    return all
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }

  /** An integer parameter, or a 400 naming it. */
  int(name: string, bounds: { min: number; max: number }, fallback: number): number {
    const text = this.get(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || n < bounds.min || n > bounds.max) {
      throw this.bad(`Invalid ${name}: ${text}. It must be an integer from ${bounds.min} to ${bounds.max}.`);
    }
    return n;
  }

  /** An ISO 8601 date-time parameter as epoch ms, or a 400 naming it. */
  time(name: string): number | undefined {
    const text = this.get(name);
    if (text === undefined) return undefined;
    const ms = parseIsoTime(text);
    if (ms === undefined) throw this.bad(`Invalid ${name}: ${text}. It must be an ISO 8601 date-time.`);
    return ms;
  }
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date or date-time, else undefined ("02/21/2022" is not one). */
export function parseIsoTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Writes a reply; `truncate` cuts a JSON body in half (a fault), with a Content-Length that matches the cut. */
export function writeReply(res: ServerResponse, reply: Reply, headers: Record<string, string>, truncate = false): void {
  const all: Record<string, string> = { ...headers, ...(reply.headers ?? {}) };
  let payload: Buffer | undefined = reply.raw;
  if (!payload && reply.body !== undefined && reply.status !== 204) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    all['content-type'] ??= 'application/json';
  }
  if (payload && truncate) payload = payload.subarray(0, Math.max(1, Math.floor(payload.length / 2)));
  all['content-length'] = String(payload?.length ?? 0);
  res.writeHead(reply.status, all);
  res.end(payload);
}
