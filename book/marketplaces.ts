import type { Knex } from 'knex';
import { z } from 'zod';
import { REGIONS, type Region } from '../lib/amazon-facts';
import { UnknownMarketplace, UserError } from '../lib/errors';
import { operation } from './operation';

/**
 * The marketplace catalog (seeded, grown with `connector marketplaces add`) and each account's marketplaces:
 * which ones Amazon says it participates in, and which ones we sync.
 */
export const Marketplace = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  countryCode: z.string(),
  domain: z.string(),
  region: z.enum(REGIONS),
  currency: z.string(),
});
export type Marketplace = z.infer<typeof Marketplace>;

export const AccountMarketplace = Marketplace.extend({ participating: z.boolean(), enabled: z.boolean() });
export type AccountMarketplace = z.infer<typeof AccountMarketplace>;

const AccountId = z.object({ accountId: z.string().min(1) });

/** A marketplace id or code the catalog does not hold. Not retryable: someone must add it first. */
export { UnknownMarketplace };

export { REGIONS };

export function parseRegion(text: string | undefined, field = '--region'): Region {
  const region = (text ?? '').trim().toLowerCase();
  if (!(REGIONS as readonly string[]).includes(region)) {
    throw new UserError(
      `${field} "${text ?? ''}" is not an Amazon region: use na (Americas), eu (Europe, Middle East, India) or fe (Far East)`,
    );
  }
  return region as Region;
}

type Row = Record<string, any>;

function fromRow(r: Row): Marketplace {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    countryCode: r.country_code,
    domain: r.domain,
    region: r.region,
    currency: r.currency,
  };
}

export const listMarketplaces = operation(
  { name: 'listMarketplaces', input: z.object({ region: z.enum(REGIONS).optional() }), output: z.array(Marketplace) },
  async (db, filter) => {
    const q = db('marketplaces')
      .select('*')
      .orderBy([{ column: 'region' }, { column: 'code' }]);
    if (filter.region) q.where({ region: filter.region });
    return (await q).map(fromRow);
  },
);

/** By Amazon id (A1PA6795UKMFR9) or by our code (DE), case-insensitive for codes. */
export const findMarketplace = operation(
  { name: 'findMarketplace', input: z.object({ idOrCode: z.string() }), output: Marketplace.optional() },
  async (db, { idOrCode }) => {
    const key = idOrCode.trim();
    const row = await db('marketplaces').where({ id: key }).orWhere({ code: key.toUpperCase() }).first();
    return row ? fromRow(row) : undefined;
  },
);

export const getMarketplace = operation(
  {
    name: 'getMarketplace',
    input: z.object({ idOrCode: z.string(), field: z.string().default('marketplace') }),
    output: Marketplace,
  },
  async (db, { idOrCode, field }) => {
    const found = await findMarketplace(db, { idOrCode });
    if (!found) {
      throw new UnknownMarketplace(
        `${field} "${idOrCode}" is not a known marketplace: see \`connector marketplaces list\`, or add it with \`connector marketplaces add\``,
      );
    }
    return found;
  },
);

export interface NewMarketplace {
  id?: string;
  code?: string;
  name?: string;
  region?: string;
  currency?: string;
  domain?: string;
  country?: string;
}

/** Checks every field of `marketplaces add`, naming the flag and the expected shape. */
export function validateMarketplace(input: NewMarketplace): Marketplace {
  const id = (input.id ?? '').trim();
  // Amazon marketplace ids: "A" then 9-15 upper-case letters and digits (ATVPDKIKX0DER, A1C3SOZRARQ6R3).
  if (!/^A[A-Z0-9]{9,15}$/.test(id)) {
    throw new UserError(
      `--id "${id}" is not an Amazon marketplace id: expected something like A1C3SOZRARQ6R3 (see Amazon's "Marketplace IDs" page)`,
    );
  }
  const code = (input.code ?? '').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new UserError(`--code "${input.code ?? ''}" must be two letters, like PL`);
  const name = (input.name ?? '').trim();
  if (!name) throw new UserError('--name is required: the marketplace name, like Amazon.pl');
  const region = parseRegion(input.region);
  const currency = (input.currency ?? '').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    throw new UserError(`--currency "${input.currency ?? ''}" must be a 3-letter ISO 4217 code, like PLN`);
  const domain = (input.domain ?? '').trim().toLowerCase();
  if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(domain) || domain.startsWith('www.')) {
    throw new UserError(
      `--domain "${input.domain ?? ''}" must be the bare shop domain, like amazon.pl (no https://, no www.)`,
    );
  }
  const countryCode = (input.country ?? code).trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(countryCode))
    throw new UserError(`--country "${input.country}" must be an ISO 3166 two-letter code, like PL`);
  return { id, code, name, countryCode, domain, region, currency };
}

/**
 * Adds a marketplace, or updates it when the same id is added again (idempotent). Refuses a code already used by
 * another id, and a region change while accounts use the marketplace (they would silently leave their region).
 */
export const addMarketplace = operation(
  {
    name: 'addMarketplace',
    input: z.custom<NewMarketplace>(),
    output: z.object({ marketplace: Marketplace, created: z.boolean() }),
  },
  async (db, input) => {
    const m = validateMarketplace(input);
    return db.transaction(async (trx) => {
      const byCode = await trx('marketplaces').where({ code: m.code }).whereNot({ id: m.id }).first();
      if (byCode)
        throw new UserError(
          `--code ${m.code} is already used by marketplace ${byCode.id} (${byCode.name}): choose another code`,
        );
      const existing = await trx('marketplaces').where({ id: m.id }).forUpdate().first();
      if (existing && existing.region !== m.region) {
        const used = await trx('account_marketplaces').where({ marketplace_id: m.id }).first();
        if (used) {
          throw new UserError(
            `--region: marketplace ${m.id} is ${existing.region} and accounts use it; it cannot move to ${m.region}`,
          );
        }
      }
      const row = {
        id: m.id,
        code: m.code,
        name: m.name,
        country_code: m.countryCode,
        domain: m.domain,
        region: m.region,
        currency: m.currency,
      };
      await trx('marketplaces')
        .insert(row)
        .onConflict('id')
        .merge({ ...row, updated_at: trx.fn.now() });
      return { marketplace: m, created: !existing };
    });
  },
);

/**
 * Resolves a list like "US,CA" (codes or ids) to marketplaces of the account's region. Throws before anything is
 * saved: an unknown entry or one of another region is a UserError naming the flag.
 */
export const resolveRegionMarketplaces = operation(
  {
    name: 'resolveRegionMarketplaces',
    input: z.object({
      list: z.array(z.string()),
      region: z.enum(REGIONS),
      field: z.string().default('--marketplaces'),
    }),
    output: z.array(Marketplace),
  },
  async (db, { list, region, field }) => {
    const result: Marketplace[] = [];
    for (const entry of list.map((s) => s.trim()).filter(Boolean)) {
      const m = await getMarketplace(db, { idOrCode: entry, field });
      assertRegion(m, region, field);
      if (!result.some((r) => r.id === m.id)) result.push(m);
    }
    return result;
  },
);

export function assertRegion(m: Marketplace, region: Region, field: string): void {
  if (m.region !== region) {
    throw new UserError(
      `${field}: ${m.code} (${m.id}) is a marketplace of region ${m.region}, but the account is in ${region}: an account only syncs marketplaces of its own region`,
    );
  }
}

async function accountRegion(db: Knex, accountId: string): Promise<Region> {
  const row = await db('seller_accounts').where({ id: accountId }).first('region');
  if (!row) throw new UserError(`account "${accountId}" does not exist: see \`connector accounts list\``);
  return row.region;
}

export const accountMarketplaces = operation(
  { name: 'accountMarketplaces', input: AccountId, output: z.array(AccountMarketplace) },
  async (db, { accountId }) => {
    const rows = await db('account_marketplaces as am')
      .join('marketplaces as m', 'm.id', 'am.marketplace_id')
      .where('am.account_id', accountId)
      .orderBy('m.code')
      .select('m.*', 'am.participating', 'am.enabled');
    return rows.map((r: Row) => ({ ...fromRow(r), participating: r.participating, enabled: r.enabled }));
  },
);

/** The marketplaces a sync queries: enabled for the account and of the account's region. */
export const enabledMarketplaces = operation(
  { name: 'enabledMarketplaces', input: AccountId, output: z.array(Marketplace) },
  async (db, { accountId }) => {
    const rows = await db('account_marketplaces as am')
      .join('marketplaces as m', 'm.id', 'am.marketplace_id')
      .join('seller_accounts as a', 'a.id', 'am.account_id')
      .where({ 'am.account_id': accountId, 'am.enabled': true })
      .whereRaw('m.region = a.region')
      .orderBy('m.code')
      .select('m.*');
    return rows.map(fromRow);
  },
);

/** Marketplace rows to write for an account; `participating` null leaves a known participation unchanged. */
export const AccountMarketplaceChange = z.object({
  marketplaceId: z.string().min(1),
  participating: z.boolean().optional(),
  enabled: z.boolean().optional(),
});
export type AccountMarketplaceChange = z.infer<typeof AccountMarketplaceChange>;

/** Upserts account marketplaces. Call inside the caller's transaction so an account and its marketplaces land together. */
export const saveAccountMarketplaces = operation(
  {
    name: 'saveAccountMarketplaces',
    input: AccountId.extend({ changes: z.array(AccountMarketplaceChange) }),
    output: z.void(),
  },
  async (trx, { accountId, changes }) => {
    for (const c of changes) {
      const insert = {
        account_id: accountId,
        marketplace_id: c.marketplaceId,
        participating: c.participating ?? true,
        enabled: c.enabled ?? c.participating ?? true,
      };
      const merge: Row = {};
      if (c.participating !== undefined) merge.participating = c.participating;
      if (c.enabled !== undefined) merge.enabled = c.enabled;
      const q = trx('account_marketplaces').insert(insert).onConflict(['account_id', 'marketplace_id']);
      await (Object.keys(merge).length ? q.merge(merge) : q.ignore());
    }
  },
);

/** What Amazon's getMarketplaceParticipations said, reduced to what we record. */
export const Participation = z.object({
  marketplaceId: z.string(),
  participating: z.boolean(),
  name: z.string().optional(),
  countryCode: z.string().optional(),
  currency: z.string().optional(),
  domain: z.string().optional(),
});
export type Participation = z.infer<typeof Participation>;

const ParticipationsResult = z.object({
  recorded: z.array(AccountMarketplace),
  /** Ids the catalog does not hold: listed so the user can `marketplaces add` them. */
  unknown: z.array(Participation),
  /** Known marketplaces of another region: an account only syncs its own region. */
  otherRegion: z.array(Marketplace),
});
export type ParticipationsResult = z.infer<typeof ParticipationsResult>;

/** Sorts Amazon's participations against the catalog: ours to record, unknown ids, and other regions. Pure. */
export function classifyParticipations(
  catalog: Marketplace[],
  region: Region,
  participations: Participation[],
): ParticipationsResult & { inRegion: Participation[] } {
  const byId = new Map(catalog.map((m) => [m.id, m]));
  const inRegion: Participation[] = [];
  const unknown: Participation[] = [];
  const otherRegion: Marketplace[] = [];
  for (const p of participations) {
    const m = byId.get(p.marketplaceId);
    if (!m) unknown.push(p);
    else if (m.region !== region) otherRegion.push(m);
    else inRegion.push(p);
  }
  return { inRegion, recorded: [], unknown, otherRegion };
}

/**
 * Records Amazon's participations for an account in one transaction. New rows are enabled when participating;
 * existing rows keep the user's enabled choice. Marketplaces Amazon no longer lists become non-participating.
 */
export const recordParticipations = operation(
  {
    name: 'recordParticipations',
    input: AccountId.extend({ participations: z.array(Participation) }),
    output: ParticipationsResult,
  },
  async (db, { accountId, participations }) => {
    return db.transaction(async (trx) => {
      const region = await accountRegion(trx, accountId);
      const { inRegion, unknown, otherRegion } = classifyParticipations(
        await listMarketplaces(trx, {}),
        region,
        participations,
      );
      await saveAccountMarketplaces(trx, {
        accountId,
        changes: inRegion.map((p) => ({ marketplaceId: p.marketplaceId, participating: p.participating })),
      });
      await trx('account_marketplaces')
        .where({ account_id: accountId })
        .whereNotIn(
          'marketplace_id',
          inRegion.map((p) => p.marketplaceId),
        )
        .update({ participating: false });
      return { recorded: await accountMarketplaces(trx, { accountId }), unknown, otherRegion };
    });
  },
);

/** `accounts marketplaces enable|disable`: the marketplace must be known and of the account's region. */
export const setAccountMarketplaceEnabled = operation(
  {
    name: 'setAccountMarketplaceEnabled',
    input: AccountId.extend({ idOrCode: z.string(), enabled: z.boolean() }),
    output: AccountMarketplace,
  },
  async (db, { accountId, idOrCode, enabled }) => {
    return db.transaction(async (trx) => {
      const region = await accountRegion(trx, accountId);
      const m = await getMarketplace(trx, { idOrCode, field: 'CODE' });
      assertRegion(m, region, 'CODE');
      // A marketplace enabled by hand before any refresh is assumed participating until Amazon says otherwise.
      await saveAccountMarketplaces(trx, { accountId, changes: [{ marketplaceId: m.id, enabled }] });
      const [row] = (await accountMarketplaces(trx, { accountId })).filter((r) => r.id === m.id);
      return row;
    });
  },
);
