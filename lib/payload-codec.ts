import crypto from 'crypto';
import { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';
import { ConfigError } from './config';
import { keyringFromEnv, parseKey } from './secrets';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

/** The key id written by versions that derived one payload key from the secret key, whatever that key's id. */
export const LEGACY_DERIVED_KEY_ID = 'derived';

/** The id of the payload key derived from secret key `secretKeyId`: it changes when the secret key rotates. */
export function derivedKeyId(secretKeyId: string): string {
  return `derived-${secretKeyId}`;
}

function derivePayloadKey(secretKey: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secretKey, Buffer.alloc(0), 'amazon-connector temporal payloads', 32));
}

function decrypt(key: Buffer, data: Buffer): Buffer {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
}

/**
 * AES-256-GCM over whole Temporal payloads (inputs, results, signals, queries, memos). The key id travels in the
 * metadata so old histories stay readable after rotation. Payloads that arrive unencrypted (a signal typed into the
 * UI or sent with `temporal workflow signal`) pass through decode unchanged.
 *
 * `legacyKeys`: candidates for payloads under the old fixed id `derived`, which does not say which secret key it came
 * from. GCM's tag tells which candidate sealed a payload, so each is tried in turn.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly activeKeyId: string,
    private readonly legacyKeys: Buffer[] = [],
  ) {
    if (!keys.has(activeKeyId)) throw new ConfigError(`payload key "${activeKeyId}" is not configured`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.activeKeyId)!;
    return payloads.map((payload) => {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encode(ENCRYPTED_ENCODING), [KEY_ID]: encode(this.activeKeyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!payload.metadata?.encoding || decode(payload.metadata.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = decode(payload.metadata[KEY_ID]);
      const data = Buffer.from(payload.data!);
      const key = this.keys.get(keyId);
      if (key) return temporal.api.common.v1.Payload.decode(decrypt(key, data));
      if (keyId === LEGACY_DERIVED_KEY_ID) return temporal.api.common.v1.Payload.decode(this.decryptLegacy(data));
      const secretKeyId = keyId.startsWith('derived-') ? keyId.slice('derived-'.length) : undefined;
      throw new ConfigError(
        secretKeyId
          ? `payload encrypted with key "${keyId}", derived from secret key "${secretKeyId}", which is not configured: add it to CONNECTOR_OLD_SECRET_KEYS as "${secretKeyId}:<key>"`
          : `payload encrypted with key "${keyId}", which is not configured: add it to CONNECTOR_OLD_PAYLOAD_KEYS`,
      );
    });
  }

  private decryptLegacy(data: Buffer): Buffer {
    for (const key of this.legacyKeys) {
      try {
        return decrypt(key, data);
      } catch {
        // not this one: the tag did not verify
      }
    }
    throw new ConfigError(
      `payload encrypted with key "${LEGACY_DERIVED_KEY_ID}" (derived from a secret key of an earlier version), and no configured secret key opens it: add that secret key to CONNECTOR_OLD_SECRET_KEYS`,
    );
  }
}

/**
 * Payload keys come from configuration, never from the database.
 * - CONNECTOR_PAYLOAD_KEY (+ _ID, default p1), old ones in CONNECTOR_OLD_PAYLOAD_KEYS="id:key,...";
 * - else a key derived (HKDF) from CONNECTOR_SECRET_KEY, with the id `derived-<CONNECTOR_SECRET_KEY_ID>`.
 * Every secret key (the active one and CONNECTOR_OLD_SECRET_KEYS) stays decodable through its derived key, so
 * rotating the secret key as docs/accounts.md says leaves running workflows readable. Undefined without any key.
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const keys = new Map<string, Buffer>();
  let active: string | undefined;
  if (env.CONNECTOR_PAYLOAD_KEY) {
    active = env.CONNECTOR_PAYLOAD_KEY_ID || 'p1';
    keys.set(active, parseKey(env.CONNECTOR_PAYLOAD_KEY, 'CONNECTOR_PAYLOAD_KEY'));
  }
  const legacy: Buffer[] = [];
  if (env.CONNECTOR_SECRET_KEY) {
    const secrets = keyringFromEnv(env);
    active ??= derivedKeyId(secrets.activeKeyId);
    // The active secret key first: it sealed the newest legacy payloads.
    const ids = [secrets.activeKeyId, ...[...secrets.keys.keys()].filter((id) => id !== secrets.activeKeyId)];
    for (const id of ids) {
      const derived = derivePayloadKey(secrets.keys.get(id)!);
      if (!keys.has(derivedKeyId(id))) keys.set(derivedKeyId(id), derived);
      legacy.push(derived);
    }
  }
  if (!active) return undefined;
  for (const entry of (env.CONNECTOR_OLD_PAYLOAD_KEYS ?? '').split(',').filter(Boolean)) {
    const [id, key] = entry.split(':');
    if (!id || !key) throw new ConfigError('CONNECTOR_OLD_PAYLOAD_KEYS must look like "p0:<hex key>,p00:<hex key>"');
    if (!keys.has(id)) keys.set(id, parseKey(key, `CONNECTOR_OLD_PAYLOAD_KEYS (${id})`));
  }
  return new AesGcmCodec(keys, active, legacy);
}

export const NO_PAYLOAD_KEY =
  'CONNECTOR_SECRET_KEY is not set: Temporal payloads are encrypted with a key derived from it (or CONNECTOR_PAYLOAD_KEY), and nothing is sent in clear. Set it to the key the worker uses, e.g. `export CONNECTOR_SECRET_KEY=$(openssl rand -hex 32)` for a new deployment';

/** The codec of every client, worker and codec server: without a key they refuse to start, in one line. */
export function requireCodec(env: NodeJS.ProcessEnv = process.env): AesGcmCodec {
  const codec = codecFromEnv(env);
  if (!codec) throw new ConfigError(NO_PAYLOAD_KEY);
  return codec;
}

/** Bundled into the workflow code as well (bundleWorkflowCode's failureConverterPath). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter of every client and worker. Failure messages and stack traces are encoded too
 * (encodeCommonAttributes), so an error mentioning a buyer never lands in clear in Temporal's storage.
 */
export function createDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return { payloadCodecs: [requireCodec(env)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
