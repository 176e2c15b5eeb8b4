import crypto from 'node:crypto';

/**
 * Opaque pagination tokens that carry their own cursor (so they survive a sandbox restart with --state), signed so a
 * hand-edited token is refused like Amazon refuses a bad one.
 */

const KEY = 'amazon-connector-sandbox-page-token';

function sign(payload: string): string {
  return crypto.createHmac('sha256', KEY).update(payload).digest('base64url').slice(0, 16);
}

export function encodePageToken(content: object): string {
  const payload = Buffer.from(JSON.stringify(content)).toString('base64url');
  return `${payload}.${sign(payload)}`;
}

/** The token's content, or undefined when it is not one of ours. */
export function decodePageToken<T>(token: string): T | undefined {
  const [payload, signature, extra] = token.split('.');
  if (!payload || extra !== undefined || sign(payload) !== signature) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
