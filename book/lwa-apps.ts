import type { Knex } from 'knex';
import { z } from 'zod';
import { LWA_SECRET_LIFETIME_DAYS, LWA_SECRET_NOTICE_DAYS } from '../lib/amazon-facts';
import { UserError } from '../lib/errors';
import { seal } from '../lib/secrets';
import { KeyringInput, openAccountSecret, resealed } from './account-secrets';
import { operation } from './operation';

/**
 * LWA apps: the client id that accounts share, and the expiry of its client secret. Amazon refuses a secret 180 days
 * after it was issued, and every call of every account of the app fails from then on, so the book knows each app's
 * date, warns 30 days ahead (`accounts show`, `connector status`, the warehouse API's /readyz), and
 * `connector apps rotate-secret` swaps a new secret into every account of the app in one transaction.
 *
 * One app has one secret: an account added with another secret than the one its app's accounts hold is refused.
 */

const DAY_MS = 86_400_000;
/** Warnings start this many days before a secret expires. */
export const SECRET_WARNING_DAYS = 30;
/**
 * The expiry assumed when none is given: Amazon e-mails 90 days before a secret's deadline, so a secret you were not
 * warned about has at least that long. It errs early, never late; `accounts show` marks it as assumed.
 */
export const ASSUMED_SECRET_DAYS = LWA_SECRET_NOTICE_DAYS;
const LIFETIME_MS = LWA_SECRET_LIFETIME_DAYS * DAY_MS;

export const SecretStatus = z.enum(['ok', 'expiring', 'expired']);
export type SecretStatus = z.infer<typeof SecretStatus>;

export const AppSecret = z.object({
  clientId: z.string(),
  expiresAt: z.date(),
  /** true: the connector's default (90 days from when it learned the secret), not a date you gave. */
  expiryAssumed: z.boolean(),
  rotatedAt: z.date().nullable(),
  accounts: z.array(z.string()),
  enabledAccounts: z.array(z.string()),
  status: SecretStatus,
  /** Days left, rounded up (1 on its last day); 0 or negative once expired. */
  daysLeft: z.number().int(),
});
export type AppSecret = z.infer<typeof AppSecret>;

export function secretStatus(expiresAt: Date, now = Date.now()): { status: SecretStatus; daysLeft: number } {
  const left = expiresAt.getTime() - now;
  const daysLeft = Math.ceil(left / DAY_MS) || 0; // || 0: no -0
  return { status: left <= 0 ? 'expired' : left <= SECRET_WARNING_DAYS * DAY_MS ? 'expiring' : 'ok', daysLeft };
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** "expires 2027-03-03 (in 90 day(s), assumed)": the expiry in a line of `accounts show`, `apps list`, `status`. */
export function describeExpiry(app: {
  expiresAt: Date | string;
  expiryAssumed: boolean;
  status: SecretStatus;
  daysLeft: number;
}): string {
  const date = day(new Date(app.expiresAt));
  const assumed = app.expiryAssumed ? ', assumed' : '';
  return app.status === 'expired'
    ? `expired ${date} (${app.daysLeft < 0 ? `${-app.daysLeft} day(s) ago` : 'today'}${assumed})`
    : `expires ${date} (in ${app.daysLeft} day(s)${assumed})`;
}

/** What to do about an app's secret, or undefined while it has more than 30 days. No secret is ever quoted. */
export function appSecretWarning(app: AppSecret): string | undefined {
  if (app.status === 'ok') return undefined;
  const accounts = app.accounts.join(', ');
  const fix = `rotate it in Solution Provider Portal (your app → LWA credentials), then \`connector apps rotate-secret --client-id ${app.clientId}\``;
  if (app.status === 'expired')
    return `the LWA client secret of app ${app.clientId} ${describeExpiry(app)}: every call of ${accounts} fails with invalid_client; ${fix}`;
  return `the LWA client secret of app ${app.clientId} ${describeExpiry(app)}; after that every call of ${accounts} fails: ${fix}`;
}

/**
 * `--secret-expires`: a day (2027-05-31, taken at 00:00 UTC, the early end of that day) or an ISO 8601 time with its
 * zone. In the past, or further than Amazon's 180 days away, is a mistake: refused with the fix.
 */
export function parseSecretExpiry(value: string, field = '--secret-expires', now = Date.now()): Date {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const at = dateOnly ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (!(dateOnly || withZone) || Number.isNaN(at.getTime()) || (dateOnly && day(at) !== text)) {
    throw new UserError(
      `${field} "${value}" is not a date: give the day the LWA client secret expires, like 2027-05-31 (Solution Provider Portal → your app → LWA credentials → View)`,
    );
  }
  if (at.getTime() <= now)
    throw new UserError(
      `${field} ${text} is in the past: an expired secret cannot call Amazon. Rotate it in Solution Provider Portal and give the new secret's date`,
    );
  if (at.getTime() > now + LIFETIME_MS + DAY_MS)
    throw new UserError(
      `${field} ${text} is more than ${LWA_SECRET_LIFETIME_DAYS} days away: Amazon's LWA client secrets expire ${LWA_SECRET_LIFETIME_DAYS} days after they are issued. Copy the date from Solution Provider Portal → your app → LWA credentials → View`,
    );
  return at;
}

const ClientId = z.object({ clientId: z.string().min(1) });

type Row = Record<string, any>;

function fromRow(r: Row, now: number): AppSecret {
  const expiresAt = new Date(r.secret_expires_at);
  return {
    clientId: r.client_id,
    expiresAt,
    expiryAssumed: r.secret_expiry_assumed,
    rotatedAt: r.secret_rotated_at ? new Date(r.secret_rotated_at) : null,
    accounts: r.accounts ?? [],
    enabledAccounts: r.enabled_accounts ?? [],
    ...secretStatus(expiresAt, now),
  };
}

/** Every app some account uses, soonest expiry first, with its accounts. */
export const listAppSecrets = operation(
  {
    name: 'listAppSecrets',
    input: z.object({ clientId: z.string().min(1).optional(), now: z.date().optional() }),
    output: z.array(AppSecret),
  },
  async (db, { clientId, now }) => {
    const q = db('lwa_apps as p')
      .join('seller_accounts as a', 'a.client_id', 'p.client_id')
      .groupBy('p.client_id')
      .orderBy([{ column: 'p.secret_expires_at' }, { column: 'p.client_id' }])
      .select(
        'p.client_id',
        'p.secret_expires_at',
        'p.secret_expiry_assumed',
        'p.secret_rotated_at',
        db.raw('array_agg(a.id order by a.id) as accounts'),
        db.raw("coalesce(array_agg(a.id order by a.id) filter (where a.enabled), '{}') as enabled_accounts"),
      );
    if (clientId) q.where('p.client_id', clientId);
    const at = (now ?? new Date()).getTime();
    return (await q).map((r: Row) => fromRow(r, at));
  },
);

/** The app of a client id, or a UserError naming the field. */
export const requireAppSecret = operation(
  { name: 'requireAppSecret', input: ClientId.extend({ field: z.string().default('--client-id') }), output: AppSecret },
  async (db, { clientId, field }) => {
    const [app] = await listAppSecrets(db, { clientId });
    if (!app) throw new UserError(`${field} ${clientId}: no account uses this app (see \`connector apps list\`)`);
    return app;
  },
);

/**
 * Inside saveAccount's transaction: the app row of the account's client id. A given expiry is stored as given; none
 * keeps the app's date when the secret is the one the book already holds, else assumes 90 days (ASSUMED_SECRET_DAYS).
 */
export async function recordAppSecret(
  trx: Knex.Transaction,
  input: { clientId: string; expiresAt: Date | null; knownSecret: boolean },
): Promise<void> {
  const existing = await trx('lwa_apps').where({ client_id: input.clientId }).forUpdate().first();
  if (!input.expiresAt && existing && input.knownSecret) return;
  const row = input.expiresAt
    ? { secret_expires_at: input.expiresAt, secret_expiry_assumed: false }
    : { secret_expires_at: new Date(Date.now() + ASSUMED_SECRET_DAYS * DAY_MS), secret_expiry_assumed: true };
  await trx('lwa_apps')
    .insert({ client_id: input.clientId, ...row })
    .onConflict('client_id')
    .merge({ ...row, updated_at: trx.fn.now() });
}

/** The real date of an app's secret (read in Solution Provider Portal), replacing an assumed or wrong one. */
export const setAppSecretExpiry = operation(
  { name: 'setAppSecretExpiry', input: ClientId.extend({ expiresAt: z.date() }), output: AppSecret },
  async (db, { clientId, expiresAt }) => {
    await requireAppSecret(db, { clientId });
    await db('lwa_apps')
      .where({ client_id: clientId })
      .update({ secret_expires_at: expiresAt, secret_expiry_assumed: false, updated_at: db.fn.now() });
    return requireAppSecret(db, { clientId });
  },
);

/**
 * A new client secret for every account of the app, sealed with the active key, in one transaction (all accounts or
 * none). Their refresh tokens move to the active key too, so secret_key_id stays true. The credentials change, so each
 * worker's SpApiClients builds a new client at its next call: no restart. Without a date, the new secret expires
 * 180 days from now (Amazon's rule for a freshly issued secret).
 */
export const rotateAppSecret = operation(
  {
    name: 'rotateAppSecret',
    input: ClientId.extend({
      keyring: KeyringInput,
      clientSecret: z.string().min(1),
      expiresAt: z.date().optional(),
    }),
    output: AppSecret.extend({ keyId: z.string() }),
  },
  async (db, { keyring, clientId, clientSecret, expiresAt }) => {
    await db.transaction(async (trx) => {
      const app = await trx('lwa_apps').where({ client_id: clientId }).forUpdate().first();
      const rows = await trx('seller_accounts')
        .where({ client_id: clientId })
        .orderBy('id')
        .forUpdate()
        .select('id', 'client_secret_enc', 'refresh_token_enc');
      if (!app || rows.length === 0)
        throw new UserError(`--client-id ${clientId}: no account uses this app (see \`connector apps list\`)`);
      if (rows.every((r) => openAccountSecret(keyring, r.client_secret_enc, r.id) === clientSecret))
        throw new UserError(
          `the secret given is the one app ${clientId} already has: give the new secret from Solution Provider Portal (your app → LWA credentials → View)`,
        );
      for (const r of rows) {
        await trx('seller_accounts')
          .where({ id: r.id })
          .update({
            client_secret_enc: seal(keyring, clientSecret),
            refresh_token_enc: resealed(keyring, r.refresh_token_enc, r.id),
            secret_key_id: keyring.activeKeyId,
            updated_at: trx.fn.now(),
          });
      }
      await trx('lwa_apps')
        .where({ client_id: clientId })
        .update({
          secret_expires_at: expiresAt ?? new Date(Date.now() + LIFETIME_MS),
          secret_expiry_assumed: false,
          secret_rotated_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        });
    });
    return { ...(await requireAppSecret(db, { clientId })), keyId: keyring.activeKeyId };
  },
);
