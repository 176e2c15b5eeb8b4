import crypto from 'crypto';
import { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';
import { ConfigError } from './config';
import { parseKey } from './secrets';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

/**
 * AES-256-GCM over whole Temporal payloads (inputs, results, signals, queries, memos). The key id travels in the
 * metadata so old histories stay readable after rotation. Payloads that arrive unencrypted (a signal typed into the
 * UI or sent with `temporal workflow signal`) pass through decode unchanged.
 */
export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly keys: Map<string, Buffer>,
    private readonly activeKeyId: string,
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
      const key = this.keys.get(keyId);
      if (!key)
        throw new ConfigError(
          `payload encrypted with key "${keyId}", which is not configured: add it to CONNECTOR_OLD_PAYLOAD_KEYS`,
        );
      const data = Buffer.from(payload.data!);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Payload keys come from configuration, never from the database: CONNECTOR_PAYLOAD_KEY (+ _ID, default p1) and
 * CONNECTOR_OLD_PAYLOAD_KEYS="id:key,..."; without them, a key derived from CONNECTOR_SECRET_KEY (HKDF).
 */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const keys = new Map<string, Buffer>();
  let active: string;
  if (env.CONNECTOR_PAYLOAD_KEY) {
    active = env.CONNECTOR_PAYLOAD_KEY_ID || 'p1';
    keys.set(active, parseKey(env.CONNECTOR_PAYLOAD_KEY, 'CONNECTOR_PAYLOAD_KEY'));
  } else if (env.CONNECTOR_SECRET_KEY) {
    active = 'derived';
    const secret = parseKey(env.CONNECTOR_SECRET_KEY, 'CONNECTOR_SECRET_KEY');
    keys.set(
      active,
      Buffer.from(crypto.hkdfSync('sha256', secret, Buffer.alloc(0), 'amazon-connector temporal payloads', 32)),
    );
  } else {
    return undefined;
  }
  for (const entry of (env.CONNECTOR_OLD_PAYLOAD_KEYS ?? '').split(',').filter(Boolean)) {
    const [id, key] = entry.split(':');
    if (!id || !key) throw new ConfigError('CONNECTOR_OLD_PAYLOAD_KEYS must look like "p0:<hex key>,p00:<hex key>"');
    if (!keys.has(id)) keys.set(id, parseKey(key, `CONNECTOR_OLD_PAYLOAD_KEYS (${id})`));
  }
  return new AesGcmCodec(keys, active);
}

/** Bundled into the workflow code as well (bundleWorkflowCode's failureConverterPath). */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter of every client and worker. Failure messages and stack traces are encoded too
 * (encodeCommonAttributes), so an error mentioning a buyer never lands in clear in Temporal's storage.
 */
export function createDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const codec = codecFromEnv(env);
  if (!codec) return {};
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
