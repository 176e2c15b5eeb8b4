import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, codecFromEnv, ENCRYPTED_ENCODING } from '../../lib/payload-codec';

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

  it('derives a payload key from CONNECTOR_SECRET_KEY when no payload key is set', async () => {
    const codec = codecFromEnv({ CONNECTOR_SECRET_KEY: KEY_A })!;
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    expect(Buffer.from(encrypted.metadata!['encryption-key-id']!).toString()).toBe('derived');
    expect(codecFromEnv({})).toBeUndefined();
  });

  it('rejects a key that is not 32 bytes, saying how to make one', () => {
    expect(() => codecFromEnv({ CONNECTOR_PAYLOAD_KEY: 'abc' })).toThrow(/32 bytes.*openssl rand -hex 32/);
  });
});
