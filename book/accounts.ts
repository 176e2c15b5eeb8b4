import type { Knex } from 'knex';
import { z } from 'zod';
import { REGIONS, type Region } from '../lib/amazon-facts';
import { AccountDisabled, UnknownAccount, UserError } from '../lib/errors';
import { Keyring, seal } from '../lib/secrets';
import { KeyringInput, openAccountSecret } from './account-secrets';
import { AppSecret, listAppSecrets, parseSecretExpiry, recordAppSecret } from './lwa-apps';
import { AccountMarketplaceChange, parseRegion, saveAccountMarketplaces } from './marketplaces';
import { operation } from './operation';

export { AccountDisabled, UnknownAccount };

/**
 * Seller accounts. Secrets (LWA client secret, refresh token) are sealed with lib/secrets before they reach the
 * database and opened only by loadAccountCredentials: workflows carry the account id, activities load credentials.
 */
export const Account = z.object({
  id: z.string(),
  sellerId: z.string(),
  region: z.enum(REGIONS),
  endpoint: z.string().nullable(),
  clientId: z.string(),
  enabled: z.boolean(),
  /** The key the stored secrets are sealed with (`connector keys rotate` moves them to the active key). */
  secretKeyId: z.string(),
  orderCursor: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Account = z.infer<typeof Account>;

const AccountId = z.object({ accountId: z.string().min(1) });

export interface NewAccount {
  id: string;
  sellerId: string;
  region: string;
  endpoint?: string | null;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** When the app's client secret expires: a Date, or `--secret-expires` text; none keeps or assumes (book/lwa-apps.ts). */
  secretExpiresAt?: Date | string | null;
}

/** What talking to Amazon for an account takes; only loadAccountCredentials opens the sealed secrets. */
export interface AccountCredentials {
  accountId: string;
  sellerId: string;
  region: Region;
  /** null: Amazon's real hosts. Else a sandbox base URL every request goes to. */
  endpoint: string | null;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

type Row = Record<string, any>;

function fromRow(r: Row): Account {
  return {
    id: r.id,
    sellerId: r.seller_id,
    region: r.region,
    endpoint: r.endpoint,
    clientId: r.client_id,
    enabled: r.enabled,
    secretKeyId: r.secret_key_id,
    orderCursor: r.order_cursor,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const PUBLIC_COLUMNS = [
  'id',
  'seller_id',
  'region',
  'endpoint',
  'client_id',
  'enabled',
  'secret_key_id',
  'order_cursor',
  'created_at',
  'updated_at',
];

/** The account id is part of workflow ids and search attributes: keep it a short slug. */
export function validateAccountName(name: string | undefined, field = '--name'): string {
  const id = (name ?? '').trim();
  if (!id) throw new UserError(`${field} is required: a short name for the account, like demo-eu`);
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(id)) {
    throw new UserError(`${field} "${id}" must be a short slug of lower-case letters, digits and dashes, like demo-eu`);
  }
  return id;
}

export function validateSellerId(sellerId: string | undefined, field = '--seller-id'): string {
  const id = (sellerId ?? '').trim();
  if (!id)
    throw new UserError(`${field} is required: the Merchant Token from Seller Central (Settings → Account Info)`);
  if (!/^[A-Z0-9]{6,32}$/.test(id)) {
    throw new UserError(
      `${field} "${id}" is not an Amazon seller id: use the Merchant Token from Seller Central (Settings → Account Info), like A2EXAMPLE1SELLER`,
    );
  }
  return id;
}

/** null for Amazon's hosts; else an http:// base URL that every request goes to (a sandbox). */
export function validateEndpoint(endpoint: string | null | undefined, field = '--endpoint'): string | null {
  if (endpoint === undefined || endpoint === null || endpoint === '') return null;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UserError(`${field} "${endpoint}" is not a URL: use the sandbox base URL, like http://127.0.0.1:8700`);
  }
  if (url.protocol !== 'http:' || url.pathname !== '/' || url.search) {
    throw new UserError(
      `${field} "${endpoint}" must be a plain http:// base URL of a sandbox, like http://127.0.0.1:8700 (omit it to use Amazon)`,
    );
  }
  return url.origin;
}

function requireSecret(value: string | undefined, field: string, what: string): string {
  const v = (value ?? '').trim();
  if (!v || /\s/.test(v)) throw new UserError(`${field} is required: ${what}`);
  return v;
}

/** The app's LWA credentials: the same for every seller who authorizes the app. */
export function validateAppCredentials(input: { clientId?: string; clientSecret?: string }): {
  clientId: string;
  clientSecret: string;
} {
  return {
    clientId: requireSecret(
      input.clientId,
      '--client-id',
      'the LWA client id of your SP-API app (or set CONNECTOR_LWA_CLIENT_ID)',
    ),
    clientSecret: requireSecret(
      input.clientSecret,
      '--client-secret',
      'the LWA client secret of your SP-API app (or set CONNECTOR_LWA_CLIENT_SECRET)',
    ),
  };
}

/** Checks every field; throws a UserError naming the flag. Returns the normalized account. */
export function validateNewAccount(
  input: NewAccount,
): NewAccount & { region: Region; endpoint: string | null; secretExpiresAt: Date | null } {
  const expiry = input.secretExpiresAt;
  return {
    id: validateAccountName(input.id),
    sellerId: validateSellerId(input.sellerId),
    region: parseRegion(input.region),
    endpoint: validateEndpoint(input.endpoint),
    ...validateAppCredentials(input),
    refreshToken: requireSecret(
      input.refreshToken,
      '--refresh-token',
      'the refresh token from authorizing the app (Atzr|...)',
    ),
    secretExpiresAt: typeof expiry === 'string' ? parseSecretExpiry(expiry) : (expiry ?? null),
  };
}

/**
 * Refuses a name or a seller id already taken; `relink` allows the same name for the same seller (re-authorization).
 * Inside a transaction the name row stays locked until commit.
 */
export const assertAccountIsNew = operation(
  {
    name: 'assertAccountIsNew',
    input: z.object({ account: z.object({ id: z.string(), sellerId: z.string() }), relink: z.boolean() }),
    output: z.custom<Row>().optional(),
  },
  async (trx, { account: a, relink }) => {
    const byName = await trx('seller_accounts').where({ id: a.id }).forUpdate().first();
    if (byName && !(relink && byName.seller_id === a.sellerId)) {
      throw new UserError(
        byName.seller_id === a.sellerId
          ? `--name ${a.id}: this account already exists; remove it first or choose another name`
          : `--name ${a.id} is already used by seller ${byName.seller_id}: choose another name`,
      );
    }
    const bySeller = await trx('seller_accounts').where({ seller_id: a.sellerId }).whereNot({ id: a.id }).first();
    if (bySeller)
      throw new UserError(
        `--seller-id ${a.sellerId} is already connected as account "${bySeller.id}": use that account, or remove it first`,
      );
    return byName;
  },
);

/**
 * Stores an account and its marketplaces in one transaction. With `relink`, an existing account of the same seller
 * gets the new credentials (re-authorization after a revoked token) instead of a duplicate-name error.
 */
export const saveAccount = operation(
  {
    name: 'saveAccount',
    input: z.object({
      keyring: KeyringInput,
      account: z.custom<NewAccount>(),
      marketplaces: z.array(z.custom<AccountMarketplaceChange>()).default([]),
      relink: z.boolean().default(false),
    }),
    output: z.object({ account: Account, created: z.boolean(), appSecret: AppSecret }),
  },
  async (db, { keyring, account: input, marketplaces, relink }) => {
    const a = validateNewAccount(input);
    return db.transaction(async (trx) => {
      const existing = await assertAccountIsNew(trx, { account: a, relink });
      const knownSecret = await assertOneSecretPerApp(trx, keyring, a);
      await recordAppSecret(trx, { clientId: a.clientId, expiresAt: a.secretExpiresAt, knownSecret });
      const row = {
        seller_id: a.sellerId,
        region: a.region,
        endpoint: a.endpoint,
        client_id: a.clientId,
        client_secret_enc: seal(keyring, a.clientSecret),
        refresh_token_enc: seal(keyring, a.refreshToken),
        secret_key_id: keyring.activeKeyId,
      };
      if (existing) {
        if (existing.region !== a.region)
          throw new UserError(`--home-marketplace: account ${a.id} is in region ${existing.region}, not ${a.region}`);
        await trx('seller_accounts')
          .where({ id: a.id })
          .update({ ...row, updated_at: trx.fn.now() });
      } else {
        await trx('seller_accounts').insert({ id: a.id, ...row });
      }
      await saveAccountMarketplaces(trx, { accountId: a.id, changes: marketplaces });
      const [appSecret] = await listAppSecrets(trx, { clientId: a.clientId });
      return {
        account: fromRow(await trx('seller_accounts').where({ id: a.id }).first(PUBLIC_COLUMNS)),
        created: !existing,
        appSecret,
      };
    });
  },
);

/**
 * One app, one secret: the other accounts of the client id must hold the same one (a rotation goes through
 * `connector apps rotate-secret`, which updates them all). True when the book already holds this secret for the app.
 */
async function assertOneSecretPerApp(
  trx: Knex.Transaction,
  keyring: Keyring,
  a: { id: string; clientId: string; clientSecret: string },
): Promise<boolean> {
  const held = await trx('seller_accounts')
    .where({ client_id: a.clientId })
    .orderBy('id')
    .forUpdate()
    .select('id', 'client_secret_enc');
  const same = held.map((r) => openAccountSecret(keyring, r.client_secret_enc, r.id) === a.clientSecret);
  const others = held.filter((r, i) => r.id !== a.id && !same[i]).map((r) => r.id);
  if (others.length)
    throw new UserError(
      `--client-secret is not the secret the book holds for app ${a.clientId} (accounts ${others.join(', ')}): one app has one secret. ` +
        `If you rotated it, run \`connector apps rotate-secret --client-id ${a.clientId}\` first (it updates every account of the app); else give the secret those accounts use`,
    );
  return held.length > 0 && same.every(Boolean);
}

export const findAccount = operation(
  { name: 'findAccount', input: AccountId, output: Account.optional() },
  async (db, { accountId: id }) => {
    const row = await db('seller_accounts').where({ id }).first(PUBLIC_COLUMNS);
    return row ? fromRow(row) : undefined;
  },
);

export const getAccount = operation(
  { name: 'getAccount', input: AccountId, output: Account },
  async (db, { accountId: id }) => {
    const found = await findAccount(db, { accountId: id });
    if (!found) throw new UnknownAccount(id);
    return found;
  },
);

/** The account, or an error naming the field it came from (`--account`, `account`); optionally it must be enabled. */
export const requireAccount = operation(
  {
    name: 'requireAccount',
    input: z.object({
      accountId: z.string().min(1),
      field: z.string().default('--account'),
      enabled: z.boolean().default(false),
    }),
    output: z.object({ id: z.string(), sellerId: z.string(), enabled: z.boolean() }),
  },
  async (db, { accountId, field, enabled }) => {
    const row = await db('seller_accounts').where({ id: accountId }).first('id', 'seller_id', 'enabled');
    if (!row) throw new UserError(`${field} ${accountId}: no such account (see \`connector accounts list\`)`);
    if (enabled && !row.enabled) throw new AccountDisabled(accountId);
    return { id: row.id, sellerId: row.seller_id, enabled: row.enabled };
  },
);

/** The account already connected for this seller under another name, if any. */
export const accountOfSeller = operation(
  {
    name: 'accountOfSeller',
    input: z.object({ sellerId: z.string().min(1), exceptAccountId: z.string().optional() }),
    output: z.string().optional(),
  },
  async (db, { sellerId, exceptAccountId }) => {
    const q = db('seller_accounts').where({ seller_id: sellerId });
    if (exceptAccountId) q.whereNot({ id: exceptAccountId });
    return (await q.first('id'))?.id;
  },
);

/** Whether the account syncs; an unknown account is an error Temporal does not retry. */
export const accountEnabled = operation(
  { name: 'accountEnabled', input: z.object({ accountId: z.string().min(1) }), output: z.boolean() },
  async (db, { accountId }) => {
    const row = await db('seller_accounts').where({ id: accountId }).first('enabled');
    if (!row) throw new UnknownAccount(accountId);
    return row.enabled;
  },
);

/** The distinct endpoints of the accounts (null: Amazon's hosts). */
export const accountEndpoints = operation(
  { name: 'accountEndpoints', input: z.object({}), output: z.array(z.string().nullable()) },
  async (db, _input) => {
    return (await db('seller_accounts').distinct('endpoint')).map((e) => e.endpoint);
  },
);

export const listAccounts = operation(
  { name: 'listAccounts', input: z.object({}), output: z.array(Account) },
  async (db, _input) => {
    return (await db('seller_accounts').select(PUBLIC_COLUMNS).orderBy('id')).map(fromRow);
  },
);

export const setAccountEnabled = operation(
  { name: 'setAccountEnabled', input: AccountId.extend({ enabled: z.boolean() }), output: Account },
  async (db, { accountId: id, enabled }) => {
    const updated = await db('seller_accounts').where({ id }).update({ enabled, updated_at: db.fn.now() });
    if (!updated) throw new UnknownAccount(id);
    return getAccount(db, { accountId: id });
  },
);

/** Deletes the account; its marketplaces, offers, partners and orders go with it (ON DELETE CASCADE). */
export const removeAccount = operation(
  { name: 'removeAccount', input: AccountId, output: z.object({ orders: z.number() }) },
  async (db, { accountId: id }) => {
    return db.transaction(async (trx) => {
      await getAccount(trx, { accountId: id });
      const [{ count }] = await trx('sale_orders').where({ account_id: id }).count({ count: '*' });
      await trx('seller_accounts').where({ id }).delete();
      return { orders: Number(count) };
    });
  },
);

/**
 * Decrypted credentials for talking to Amazon. Unknown and (unless asked) disabled accounts are refused.
 * A secret sealed with a key that is no longer configured fails with a ConfigError naming the key.
 */
export const loadAccountCredentials = operation(
  {
    name: 'loadAccountCredentials',
    input: AccountId.extend({ keyring: KeyringInput, includeDisabled: z.boolean().default(false) }),
    output: z.custom<AccountCredentials>(),
  },
  async (db, { keyring, accountId, includeDisabled }) => {
    const row = await db('seller_accounts').where({ id: accountId }).first();
    if (!row) throw new UnknownAccount(accountId);
    if (!row.enabled && !includeDisabled) throw new AccountDisabled(accountId);
    return {
      accountId: row.id,
      sellerId: row.seller_id,
      region: row.region,
      endpoint: row.endpoint,
      clientId: row.client_id,
      clientSecret: openAccountSecret(keyring, row.client_secret_enc, row.id),
      refreshToken: openAccountSecret(keyring, row.refresh_token_enc, row.id),
    };
  },
);

/**
 * A value that changes whenever the account's credentials or status change: SpApiClients rebuilds on change. Every
 * write of the row bumps updated_at (a rotated secret, a re-link; the order cursor too, which costs a token request).
 */
export const accountVersion = operation(
  {
    name: 'accountVersion',
    input: AccountId,
    output: z.object({ version: z.string(), enabled: z.boolean() }).optional(),
  },
  async (db, { accountId }) => {
    // As text: a JS Date would drop the microseconds that tell two quick updates apart.
    const row = await db('seller_accounts')
      .where({ id: accountId })
      .first(db.raw('updated_at::text as version'), 'enabled');
    return row ? { version: row.version, enabled: row.enabled } : undefined;
  },
);
