import fs from 'fs';
import path from 'path';
import { defaultPayloadConverter, Payload } from '@temporalio/common';
import { ConfigError } from '../../lib/config';
import { AesGcmCodec, codecFromEnv, createDataConverter, ENCRYPTED_ENCODING } from '../../lib/payload-codec';
import { TEST_SECRET_KEY } from '../support/harness';

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);
const buyer = { buyerName: 'Jürgen Müller', street: 'Hauptstraße 5' };

describe('payload encryption (AES-256-GCM codec)', () => {
  it('round-trips a payload, and the stored bytes hold no clear text', async () => {
    const codec = codecFromEnv({ CONNECTOR_PAYLOAD_KEY: KEY_A })!;
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(buyer)]);
    expect(Buffer.from(encrypted.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted.data!).toString()).not.toContain('Müller');
    expect(Buffer.from(encrypted.data!).toString()).not.toContain('Hauptstra');
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(buyer);
  });

  it('reads payloads written under an old key after rotation, and writes under the new one', async () => {
    const before = codecFromEnv({ CONNECTOR_PAYLOAD_KEY: KEY_A, CONNECTOR_PAYLOAD_KEY_ID: 'p1' })!;
    const [old] = await before.encode([defaultPayloadConverter.toPayload(buyer)]);
    const after = codecFromEnv({
      CONNECTOR_PAYLOAD_KEY: KEY_B,
      CONNECTOR_PAYLOAD_KEY_ID: 'p2',
      CONNECTOR_OLD_PAYLOAD_KEYS: `p1:${KEY_A}`,
    })!;
    expect(defaultPayloadConverter.fromPayload((await after.decode([old]))[0])).toEqual(buyer);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(buyer)]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']!).toString()).toBe('p2');
  });

  it('names the missing key when a payload was sealed with a key no longer configured', async () => {
    const [old] = await codecFromEnv({ CONNECTOR_PAYLOAD_KEY: KEY_A, CONNECTOR_PAYLOAD_KEY_ID: 'p1' })!.encode([
      defaultPayloadConverter.toPayload(1),
    ]);
    const rotatedWithoutOld = new AesGcmCodec(new Map([['p2', Buffer.from(KEY_B, 'hex')]]), 'p2');
    await expect(rotatedWithoutOld.decode([old])).rejects.toThrow(/key "p1".*CONNECTOR_OLD_PAYLOAD_KEYS/);
  });

  it('decodes a plain JSON payload (a signal typed into the Temporal UI) unchanged', async () => {
    const codec = codecFromEnv({ CONNECTOR_PAYLOAD_KEY: KEY_A })!;
    const plain = defaultPayloadConverter.toPayload({ carrier: 'UPS', trackingNumber: '1Z' });
    expect(defaultPayloadConverter.fromPayload((await codec.decode([plain]))[0])).toEqual({
      carrier: 'UPS',
      trackingNumber: '1Z',
    });
  });

  it('derives a payload key from CONNECTOR_SECRET_KEY when no payload key is set, named after the secret key id', async () => {
    const keyId = async (env: Record<string, string>) =>
      Buffer.from(
        (await codecFromEnv(env)!.encode([defaultPayloadConverter.toPayload('x')]))[0].metadata!['encryption-key-id']!,
      ).toString();
    expect(await keyId({ CONNECTOR_SECRET_KEY: KEY_A })).toBe('derived-k1');
    expect(await keyId({ CONNECTOR_SECRET_KEY: KEY_A, CONNECTOR_SECRET_KEY_ID: 'k7' })).toBe('derived-k7');
    expect(codecFromEnv({})).toBeUndefined();
  });

  it('has no plaintext mode: without a key the data converter refuses, naming the variable', () => {
    expect(() => createDataConverter({})).toThrow(ConfigError);
    expect(() => createDataConverter({})).toThrow(/^CONNECTOR_SECRET_KEY is not set: Temporal payloads are encrypted/);
    expect(createDataConverter({ CONNECTOR_SECRET_KEY: KEY_A }).payloadCodecs).toHaveLength(1);
  });

  it('rejects a key that is not 32 bytes, saying how to make one', () => {
    expect(() => codecFromEnv({ CONNECTOR_PAYLOAD_KEY: 'abc' })).toThrow(/32 bytes.*openssl rand -hex 32/);
  });
});

describe('rotating CONNECTOR_SECRET_KEY as docs/accounts.md says keeps every payload decodable', () => {
  const before = { CONNECTOR_SECRET_KEY: KEY_A, CONNECTOR_SECRET_KEY_ID: 'k1' };
  const after = {
    CONNECTOR_SECRET_KEY: KEY_B,
    CONNECTOR_SECRET_KEY_ID: 'k2',
    CONNECTOR_OLD_SECRET_KEYS: `k1:${KEY_A}`,
  };

  it('payloads sealed under the old secret key decode after rotation; new ones are sealed under the new one', async () => {
    const [old] = await codecFromEnv(before)!.encode([defaultPayloadConverter.toPayload(buyer)]);
    const rotated = codecFromEnv(after)!;
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old]))[0])).toEqual(buyer);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(buyer)]);
    expect(Buffer.from(fresh.metadata!['encryption-key-id']!).toString()).toBe('derived-k2');
  });

  it('a payload of a secret key that is no longer configured names the key id and CONNECTOR_OLD_SECRET_KEYS', async () => {
    const [old] = await codecFromEnv(before)!.encode([defaultPayloadConverter.toPayload(1)]);
    const forgotten = codecFromEnv({ CONNECTOR_SECRET_KEY: KEY_B, CONNECTOR_SECRET_KEY_ID: 'k2' })!;
    await expect(forgotten.decode([old])).rejects.toThrow(
      /key "derived-k1", derived from secret key "k1", which is not configured: add it to CONNECTOR_OLD_SECRET_KEYS as "k1:<key>"/,
    );
  });

  it('with an explicit CONNECTOR_PAYLOAD_KEY, payloads of the derived keys still decode', async () => {
    const [old] = await codecFromEnv(before)!.encode([defaultPayloadConverter.toPayload(buyer)]);
    const explicit = codecFromEnv({ ...before, CONNECTOR_PAYLOAD_KEY: KEY_B, CONNECTOR_PAYLOAD_KEY_ID: 'p1' })!;
    expect(defaultPayloadConverter.fromPayload((await explicit.decode([old]))[0])).toEqual(buyer);
  });

  /** Every payload of the recorded histories: written by the earlier version, under the fixed id `derived`. */
  const legacyPayloads = (): Payload[] => {
    const dir = path.join(__dirname, '../histories');
    const found: Payload[] = [];
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object') return;
      if (Array.isArray(v)) return v.forEach(walk);
      const o = v as Record<string, any>;
      if (o.metadata?.['encryption-key-id'] && typeof o.data === 'string') {
        const metadata: Record<string, Uint8Array> = {};
        for (const [k, b64] of Object.entries(o.metadata)) metadata[k] = Buffer.from(b64 as string, 'base64');
        found.push({ metadata, data: Buffer.from(o.data, 'base64') });
      }
      Object.values(o).forEach(walk);
    };
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json')))
      walk(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
    return found;
  };

  it('histories written under the old fixed id `derived` decode with the same secret key, and after it rotated', async () => {
    // Histories recorded before the change carry the fixed id; later recordings carry derived-k1 and decode too.
    const all = legacyPayloads();
    const keyId = (p: Payload) => Buffer.from(p.metadata!['encryption-key-id']!).toString();
    expect(new Set(all.map(keyId))).toEqual(new Set(['derived', 'derived-k1']));
    const payloads = all.filter((p) => keyId(p) === 'derived');
    expect(payloads.length).toBeGreaterThan(50);
    const same = codecFromEnv({ CONNECTOR_SECRET_KEY: TEST_SECRET_KEY })!;
    const rotatedAway = codecFromEnv({
      CONNECTOR_SECRET_KEY: KEY_B,
      CONNECTOR_SECRET_KEY_ID: 'k2',
      CONNECTOR_OLD_SECRET_KEYS: `k1:${TEST_SECRET_KEY}`,
    })!;
    for (const codec of [same, rotatedAway]) {
      const decoded = await codec.decode(all);
      expect(decoded.every((p) => Buffer.from(p.metadata!.encoding!).toString() !== ENCRYPTED_ENCODING)).toBe(true);
      for (const p of decoded) expect(() => defaultPayloadConverter.fromPayload(p)).not.toThrow();
    }
    await expect(codecFromEnv({ CONNECTOR_SECRET_KEY: KEY_B })!.decode(payloads.slice(0, 1))).rejects.toThrow(
      /key "derived" .*no configured secret key opens it: add that secret key to CONNECTOR_OLD_SECRET_KEYS/,
    );
  });
});
