import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { ConfigError } from './config';
import { refreshSecretValues } from './redact';

/**
 * AES-256-GCM for credentials at rest. A sealed value is `v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts):
 * the key id travels with the secret so `connector keys rotate` can re-seal under a new key.
 */
export interface Keyring {
  activeKeyId: string;
  keys: Map<string, Buffer>;
}

export function parseKey(text: string, variable: string): Buffer {
  const raw = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (raw.length !== 32) {
    throw new ConfigError(
      `${variable} must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)`,
    );
  }
  return raw;
}

/** From CONNECTOR_SECRET_KEY (+ _ID) and CONNECTOR_OLD_SECRET_KEYS="id:key,id:key" (still readable, never written). */
export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env): Keyring {
  if (!env.CONNECTOR_SECRET_KEY) {
    throw new ConfigError(
      'CONNECTOR_SECRET_KEY is not set: credentials are encrypted at rest. Set it to 32 random bytes, e.g. `export CONNECTOR_SECRET_KEY=$(openssl rand -hex 32)`',
    );
  }
  const activeKeyId = env.CONNECTOR_SECRET_KEY_ID || 'k1';
  const keys = new Map<string, Buffer>([[activeKeyId, parseKey(env.CONNECTOR_SECRET_KEY, 'CONNECTOR_SECRET_KEY')]]);
  for (const entry of (env.CONNECTOR_OLD_SECRET_KEYS ?? '').split(',').filter(Boolean)) {
    const [id, key] = entry.split(':');
    if (!id || !key) throw new ConfigError('CONNECTOR_OLD_SECRET_KEYS must look like "k0:<hex key>,k00:<hex key>"');
    if (!keys.has(id)) keys.set(id, parseKey(key, `CONNECTOR_OLD_SECRET_KEYS (${id})`));
  }
  return { activeKeyId, keys };
}

export function seal(keyring: Keyring, plaintext: string): string {
  const key = keyring.keys.get(keyring.activeKeyId)!;
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyring.activeKeyId, iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join(':');
}

export function sealedKeyId(sealed: string): string {
  return sealed.split(':')[1];
}

export function open(keyring: Keyring, sealed: string): string {
  const [version, keyId, iv, tag, ciphertext] = sealed.split(':');
  if (version !== 'v1' || !ciphertext) throw new Error('not a sealed secret');
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new ConfigError(
      `a stored secret was sealed with key "${keyId}", which is not configured: add it to CONNECTOR_OLD_SECRET_KEYS as "${keyId}:<key>"`,
    );
  }
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * Demo mode only: `connector start` on its own embedded PostgreSQL, with no CONNECTOR_SECRET_KEY, keeps a generated
 * key in <dataDir>/secret.key (mode 600) and names that file in its runtime info, where other commands find it
 * (lib/runtime.ts useRunningDemoKey). Returns the file.
 */
export function useDemoSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = path.join(dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  env.CONNECTOR_SECRET_KEY = fs.readFileSync(file, 'utf8').trim();
  refreshSecretValues();
  return file;
}
