import type { SellingPartner } from 'amazon-sp-api';
import type { Knex } from 'knex';
import type { Keyring } from '../../lib/secrets';
import { AccountDisabled, accountVersion, loadAccountCredentials, UnknownAccount } from '../../book/accounts';
import type { Participation } from '../../book/marketplaces';
import { AccountCredentials, buildSellingPartner } from './client';
import { callSpApi } from './call';

interface Cached {
  version: string;
  sp: SellingPartner;
  account: AccountCredentials;
}

/**
 * One amazon-sp-api client per seller account, kept while the account row is unchanged: the client holds the LWA
 * access token, so rebuilding it per call would cost a token request each time. A change of credentials (a rotated
 * secret: `connector apps rotate-secret`; a re-link) or status bumps updated_at, and the next forAccount rebuilds:
 * no restart.
 */
export class SpApiClients {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly db: Knex,
    private readonly keyring: Keyring,
  ) {}

  async forAccount(accountId: string): Promise<{ sp: SellingPartner; account: AccountCredentials }> {
    const current = await accountVersion(this.db, { accountId });
    if (!current) {
      this.cache.delete(accountId);
      throw new UnknownAccount(accountId);
    }
    if (!current.enabled) {
      this.cache.delete(accountId);
      throw new AccountDisabled(accountId);
    }
    const hit = this.cache.get(accountId);
    if (hit && hit.version === current.version) return { sp: hit.sp, account: hit.account };

    const account = await loadAccountCredentials(this.db, { keyring: this.keyring, accountId });
    const sp = buildSellingPartner(account);
    this.cache.set(accountId, { version: current.version, sp, account });
    return { sp, account };
  }

  /** Drops every cached client (tests, or a worker told that keys changed). */
  clear(): void {
    this.cache.clear();
  }
}

/** Sellers getMarketplaceParticipations, reduced to what the book records. */
export async function fetchMarketplaceParticipations(sp: SellingPartner): Promise<Participation[]> {
  const res = await callSpApi<{ payload?: any[] }>(sp, {
    operation: 'getMarketplaceParticipations',
    endpoint: 'sellers',
  });
  return (res.payload ?? []).map((p) => ({
    marketplaceId: String(p.marketplace?.id),
    participating: Boolean(p.participation?.isParticipating),
    name: p.marketplace?.name,
    countryCode: p.marketplace?.countryCode,
    currency: p.marketplace?.defaultCurrencyCode,
    domain: p.marketplace?.domainName,
  }));
}
