import type { IncomingMessage } from 'node:http';

/**
 * Request bodies for every HTTP server of the project: the sandbox reads them with these (sandbox/http.ts), and the
 * connector's servers parse JSON with the same function (servers/app.ts). Node only: the sandbox may import this.
 */
export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

export class InvalidJson extends Error {
  override name = 'InvalidJson';
  constructor() {
    super('body is not valid JSON');
  }
}

/** The whole body, refusing more than `limit` bytes (BodyTooLarge) as soon as they arrive. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON body: `undefined` when empty, InvalidJson when it does not parse. */
export function parseJson(raw: Buffer | string): unknown {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJson();
  }
}
