import { z } from 'zod';
import { ConfigError } from '../lib/config';
import { Keyring, open, seal, sealedKeyId } from '../lib/secrets';
import { operation } from './operation';

/**
 * The sealed secrets of seller accounts (LWA client secret, refresh token): opening them with the usual mistake
 * explained, and moving them all to the active key (`connector keys rotate`).
 */

/** The secrets' keys (lib/secrets.ts): never stored, passed by the caller. */
export const KeyringInput = z.custom<Keyring>(
  (k) => typeof k === 'object' && k !== null && 'activeKeyId' in k,
  'a keyring',
);

/** open() with the usual mistake explained: a new key under the old key id fails GCM authentication. */
export function openAccountSecret(keyring: Keyring, sealed: string, accountId: string): string {
  try {
    return open(keyring, sealed);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const keyId = sealedKeyId(sealed);
    throw new ConfigError(
      `the secrets of account ${accountId} do not decrypt with key "${keyId}": CONNECTOR_SECRET_KEY changed without a new CONNECTOR_SECRET_KEY_ID. ` +
        `Restore the old key, or give the new key a new id and list the old one in CONNECTOR_OLD_SECRET_KEYS as "${keyId}:<key>"`,
    );
  }
}

/** A sealed secret under the active key: the one given, or the stored one opened and sealed again. */
export function resealed(keyring: Keyring, sealed: string, accountId: string): string {
  return sealedKeyId(sealed) === keyring.activeKeyId
    ? sealed
    : seal(keyring, openAccountSecret(keyring, sealed, accountId));
}

const RotationReport = z.object({
  activeKeyId: z.string(),
  accounts: z.number(),
  resealed: z.number(),
  alreadyCurrent: z.number(),
});
export type RotationReport = z.infer<typeof RotationReport>;

/**
 * Re-seals every stored secret under the active key, in one transaction: either all accounts move or none does
 * (a missing old key aborts with a ConfigError naming it). updated_at is left alone: the credentials did not change.
 */
export const rotateSecrets = operation(
  { name: 'rotateSecrets', input: z.object({ keyring: KeyringInput }), output: RotationReport },
  async (db, { keyring }) => {
    return db.transaction(async (trx) => {
      const rows = await trx('seller_accounts')
        .select('id', 'client_secret_enc', 'refresh_token_enc')
        .orderBy('id')
        .forUpdate();
      let count = 0;
      for (const r of rows) {
        const current = [r.client_secret_enc, r.refresh_token_enc].every(
          (s: string) => sealedKeyId(s) === keyring.activeKeyId,
        );
        if (current) continue;
        await trx('seller_accounts')
          .where({ id: r.id })
          .update({
            client_secret_enc: resealed(keyring, r.client_secret_enc, r.id),
            refresh_token_enc: resealed(keyring, r.refresh_token_enc, r.id),
            secret_key_id: keyring.activeKeyId,
          });
        count++;
      }
      return {
        activeKeyId: keyring.activeKeyId,
        accounts: rows.length,
        resealed: count,
        alreadyCurrent: rows.length - count,
      };
    });
  },
);
