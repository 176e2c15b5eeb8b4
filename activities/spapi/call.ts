import type { SellingPartner } from 'amazon-sp-api';
import { AmazonAuthFailed, AmazonRejected, AmazonUnavailable, QuotaExceeded } from '../../lib/errors';

export interface SpApiRequest {
  operation: string;
  endpoint: string;
  path?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  version?: string;
  /** A grantless operation's LWA scope (amazon-sp-api asks for its client_credentials token itself). */
  grantlessScope?: string;
}

interface RawResult {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  chunks: Buffer[];
}

const LWA_AUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request']);

/**
 * One SP-API call through the amazon-sp-api client, answered as parsed JSON or a typed error.
 * We take the raw result so status and headers survive (the client drops them on errors) and decode the body
 * from its bytes (the client's string concatenation can split multi-byte characters between chunks).
 */
export async function callSpApi<T = any>(sp: SellingPartner, req: SpApiRequest): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let raw: RawResult;
    try {
      raw = (await sp.callAPI({
        operation: req.operation,
        endpoint: req.endpoint,
        ...(req.path ? { path: req.path } : {}),
        ...(req.query ? { query: req.query } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        options: { raw_result: true, ...(req.version ? { version: req.version } : {}) },
      } as any)) as unknown as RawResult;
    } catch (err) {
      throw transportFailure(req.operation, err);
    }
    const text = Buffer.concat(raw.chunks).toString('utf8');
    const status = raw.statusCode;
    if (status === 204) return {} as T;
    let json: any;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new AmazonUnavailable(
        `${req.operation}: Amazon answered ${status} with a body that is not JSON`,
        req.operation,
        status,
      );
    }
    if (status >= 200 && status < 300) return json as T;

    const first = json?.errors?.[0] ?? {};
    if (
      status === 403 &&
      first.code === 'Unauthorized' &&
      /expired/i.test(String(first.details ?? first.message)) &&
      attempt === 0
    ) {
      // A token request of our own: LWA refusing the client (an expired or revoked secret) is AmazonAuthFailed here too.
      await sp
        .refreshAccessToken(req.grantlessScope as Parameters<SellingPartner['refreshAccessToken']>[0])
        .catch((err) => {
          throw transportFailure(req.operation, err);
        });
      continue;
    }
    if (status === 429) {
      const limit = Number(header(raw.headers, 'x-amzn-ratelimit-limit'));
      throw new QuotaExceeded(req.operation, limit > 0 ? Math.ceil(1000 / limit) : 1000);
    }
    if (status >= 500) {
      throw new AmazonUnavailable(
        `${req.operation}: Amazon answered ${status} ${first.code ?? ''} ${first.message ?? ''}`.trim(),
        req.operation,
        status,
        first.code,
      );
    }
    if (status === 403 || status === 401) {
      throw new AmazonAuthFailed(
        `${req.operation}: Amazon refused access (${status} ${first.code}): ${first.message}`,
        req.operation,
        status,
        first.code,
      );
    }
    throw new AmazonRejected(
      req.operation,
      status,
      first.code ?? 'Error',
      first.message ?? text.slice(0, 300),
      first.details,
    );
  }
}

/** The client threw before Amazon answered the call: LWA refused the credentials, or the network failed. */
function transportFailure(operation: string, err: any): AmazonAuthFailed | AmazonUnavailable {
  if (LWA_AUTH_ERRORS.has(err?.code))
    return new AmazonAuthFailed(
      `${operation}: Login with Amazon refused the credentials (${err.code}): ${err.message}`,
      operation,
      400,
      err.code,
    );
  return new AmazonUnavailable(`${operation}: ${err?.code ?? 'network error'}: ${err?.message ?? err}`, operation);
}

function header(headers: RawResult['headers'], name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
