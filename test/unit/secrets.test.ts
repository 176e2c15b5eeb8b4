import crypto from 'crypto';
import { ConfigError } from '../../lib/config';
import { keyringFromEnv, open, seal, sealedKeyId } from '../../lib/secrets';
import { consentUrl } from '../../cli/oauth-callback';
import { signState, verifyState } from '../../lib/oauth-state';

const KEY_A = crypto.randomBytes(32).toString('hex');
const KEY_B = crypto.randomBytes(32).toString('base64');

describe('credentials at rest (AES-256-GCM)', () => {
  const keyring = keyringFromEnv({ CONNECTOR_SECRET_KEY: KEY_A });

  it('a sealed secret opens to the same text, and never contains it', () => {
    const secret = 'Atzr|IwEBIExampleRefreshToken-ünïcode';
    const sealed = seal(keyring, secret);
    expect(sealed).not.toContain('Atzr');
    expect(sealed.startsWith('v1:k1:')).toBe(true);
    expect(open(keyring, sealed)).toBe(secret);
  });

  it('sealing the same secret twice gives different ciphertexts (random IV)', () => {
    expect(seal(keyring, 'same')).not.toBe(seal(keyring, 'same'));
  });

  it('a tampered ciphertext is refused rather than decrypted to garbage', () => {
    const parts = seal(keyring, 'client-secret-value').split(':');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => open(keyring, parts.join(':'))).toThrow();
  });

  it('the key id travels with the secret, and the active key id comes from CONNECTOR_SECRET_KEY_ID', () => {
    const k2 = keyringFromEnv({ CONNECTOR_SECRET_KEY: KEY_B, CONNECTOR_SECRET_KEY_ID: 'k2' });
    expect(sealedKeyId(seal(k2, 'x'))).toBe('k2');
  });

  it('after a key change, old secrets stay readable through CONNECTOR_OLD_SECRET_KEYS and new ones use the new key', () => {
    const sealedUnderOld = seal(keyring, 'old-secret');
    const rotated = keyringFromEnv({
      CONNECTOR_SECRET_KEY: KEY_B,
      CONNECTOR_SECRET_KEY_ID: 'k2',
      CONNECTOR_OLD_SECRET_KEYS: `k1:${KEY_A}`,
    });
    expect(open(rotated, sealedUnderOld)).toBe('old-secret');
    expect(sealedKeyId(seal(rotated, 'new'))).toBe('k2');
  });

  it('a secret sealed with a key that is not configured names that key and how to add it', () => {
    const sealed = seal(keyring, 'x');
    const other = keyringFromEnv({ CONNECTOR_SECRET_KEY: KEY_B, CONNECTOR_SECRET_KEY_ID: 'k2' });
    expect(() => open(other, sealed)).toThrow(ConfigError);
    expect(() => open(other, sealed)).toThrow(/key "k1".*CONNECTOR_OLD_SECRET_KEYS/);
  });

  it('a missing CONNECTOR_SECRET_KEY is one line naming the variable and how to generate a key', () => {
    expect(() => keyringFromEnv({})).toThrow(ConfigError);
    expect(() => keyringFromEnv({})).toThrow(/CONNECTOR_SECRET_KEY is not set.*openssl rand -hex 32/);
  });

  it('a key of the wrong length is refused with the expected shape', () => {
    expect(() => keyringFromEnv({ CONNECTOR_SECRET_KEY: 'abcd' })).toThrow(/32 bytes/);
  });
});

describe('the signed, expiring state of `accounts link`', () => {
  const keyring = keyringFromEnv({ CONNECTOR_SECRET_KEY: KEY_A });

  it('a state signed here verifies, and tells which account and home marketplace it was issued for', () => {
    const state = signState(keyring, { name: 'shop-us', home: 'US' });
    expect(verifyState(keyring, state)).toMatchObject({ name: 'shop-us', home: 'US' });
  });

  it('a state with an altered payload is refused as not issued by this connector', () => {
    const [payload, sig] = signState(keyring, { name: 'shop-us', home: 'US' }).split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), name: 'evil' }),
    ).toString('base64url');
    expect(() => verifyState(keyring, `${forged}.${sig}`)).toThrow(/--state was not issued by this connector/);
  });

  it('a state signed under another secret key is refused', () => {
    const other = keyringFromEnv({ CONNECTOR_SECRET_KEY: KEY_B });
    expect(() => verifyState(keyring, signState(other, { name: 'a', home: 'US' }))).toThrow(
      /not issued by this connector/,
    );
  });

  it('garbage is refused the same way, not with a parse error', () => {
    for (const junk of ['', 'abc', 'a.b.c', '.', 'x.'])
      expect(() => verifyState(keyring, junk)).toThrow(/--state was not issued/);
  });

  it('an expired state is refused and says so', () => {
    const state = signState(keyring, { name: 'a', home: 'US' }, 60_000, Date.now() - 120_000);
    expect(() => verifyState(keyring, state)).toThrow(/--state expired at .*accounts link` again/);
  });

  it("the consent URL is Seller Central of the home marketplace's domain, or the sandbox's consent page", () => {
    const amazon = new URL(
      consentUrl({
        applicationId: 'amzn1.sp.solution.x',
        state: 's',
        domain: 'amazon.de',
        endpoint: null,
        draft: true,
      }),
    );
    expect(amazon.origin + amazon.pathname).toBe('https://sellercentral.amazon.de/apps/authorize/consent');
    expect(Object.fromEntries(amazon.searchParams)).toEqual({
      application_id: 'amzn1.sp.solution.x',
      state: 's',
      version: 'beta',
    });
    const sandbox = new URL(
      consentUrl({
        applicationId: 'app',
        state: 's',
        domain: 'amazon.com',
        endpoint: 'http://127.0.0.1:8700',
        redirectUri: 'http://127.0.0.1:9/callback',
      }),
    );
    expect(sandbox.origin + sandbox.pathname).toBe('http://127.0.0.1:8700/apps/authorize/consent');
    expect(sandbox.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:9/callback');
  });
});
