import { SellingPartner } from 'amazon-sp-api';
import { EndpointAgent } from './endpoint-agent';

import type { Region } from '../../lib/amazon-facts';
import type { AccountCredentials } from '../../book/accounts';

export type { AccountCredentials, Region };

/** The only place an amazon-sp-api client is configured. Sandbox and Amazon differ only by the agent. */
export function buildSellingPartner(creds: AccountCredentials): SellingPartner {
  return new SellingPartner({
    region: creds.region,
    refresh_token: creds.refreshToken,
    credentials: {
      SELLING_PARTNER_APP_CLIENT_ID: creds.clientId,
      SELLING_PARTNER_APP_CLIENT_SECRET: creds.clientSecret,
    },
    endpoints_versions: { orders: '2026-01-01', listingsItems: '2021-08-01', feeds: '2021-06-30' },
    options: {
      // Our rate limiter and Temporal's retries govern; the client's own retries would hide 429s and resets.
      auto_request_throttled: false,
      retry_remote_timeout: false,
      // Only a deadline: the client clears its "response" timer on the first body byte, so a 204 would leave it running.
      timeouts: { deadline: 60_000 },
      ...(creds.endpoint ? { https_proxy_agent: new EndpointAgent(creds.endpoint) } : {}),
    },
  } as any);
}

/** Exchanges a Seller Central authorization code (spapi_oauth_code) for a refresh token at LWA. */
export async function exchangeAuthorizationCode(
  app: { clientId: string; clientSecret: string; region: Region; endpoint: string | null },
  code: string,
): Promise<string> {
  const sp = new SellingPartner({
    region: app.region,
    credentials: { SELLING_PARTNER_APP_CLIENT_ID: app.clientId, SELLING_PARTNER_APP_CLIENT_SECRET: app.clientSecret },
    options: {
      only_grantless_operations: true,
      retry_remote_timeout: false,
      ...(app.endpoint ? { https_proxy_agent: new EndpointAgent(app.endpoint) } : {}),
    },
  } as any);
  const result = await sp.exchange(code);
  return result.refresh_token as string;
}
