import crypto from 'crypto';
import { UserError } from './errors';
import type { Keyring } from './secrets';

/**
 * The signed, expiring `state` of `connector accounts link` (Amazon's website authorization workflow): issued with
 * the consent URL, checked when the redirect comes back (servers/oauth-callback.ts) or is pasted by hand.
 */
export const STATE_TTL_MS = 10 * 60_000;

/** What a `state` vouches for: the account being linked and its home marketplace. */
export interface LinkState {
  name: string;
  home: string;
  exp: number; // epoch ms
  nonce: string;
}

/** A key for state signatures only, derived from the active secret key: never the encryption key itself. */
function stateKey(keyring: Keyring): Buffer {
  const master = keyring.keys.get(keyring.activeKeyId)!;
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'amazon-connector/oauth-state', 32));
}

function mac(keyring: Keyring, payload: string): Buffer {
  return crypto.createHmac('sha256', stateKey(keyring)).update(payload).digest();
}

export function signState(
  keyring: Keyring,
  what: { name: string; home: string },
  ttlMs = STATE_TTL_MS,
  now = Date.now(),
): string {
  const state: LinkState = {
    name: what.name,
    home: what.home,
    exp: now + ttlMs,
    nonce: crypto.randomBytes(9).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${mac(keyring, payload).toString('base64url')}`;
}

/** Throws a UserError naming `--state` when the state was not signed by us, or has expired. */
export function verifyState(keyring: Keyring, state: string, now = Date.now()): LinkState {
  const again = 'run `connector accounts link` again and open the URL it prints';
  const [payload, signature, extra] = (state ?? '').trim().split('.');
  const expected = payload ? mac(keyring, payload) : Buffer.alloc(0);
  const given = Buffer.from(signature ?? '', 'base64url');
  if (extra !== undefined || !payload || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new UserError(`--state was not issued by this connector (bad signature): ${again}`);
  }
  const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkState;
  if (!(parsed.exp > now)) {
    throw new UserError(`--state expired at ${new Date(parsed.exp).toISOString()}: ${again}`);
  }
  return parsed;
}
