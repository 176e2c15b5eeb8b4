import type { FastifyRequest } from 'fastify';
import { authenticateToken, Scope, TokenInfo } from '../../book/api-tokens';
import type { Db } from '../../db';
import { bearerToken, HttpError } from '../app';
import { Caller, scopeRefusal } from './service';

/** Who is calling: the token a request authenticated with (set by `authenticate`). */
declare module 'fastify' {
  interface FastifyRequest {
    apiToken?: TokenInfo;
  }
}

const UNAUTHORIZED =
  'missing, unknown, expired or revoked token: send Authorization: Bearer <token> (`connector api tokens create`)';

/** onRequest hook of /v1: a live API token, or 401. Scopes are checked per route (`requireScope`). */
export function authenticate(db: Db) {
  return async (request: FastifyRequest): Promise<void> => {
    const secret = bearerToken(request.headers.authorization);
    const token = secret ? await authenticateToken(db, { secret }) : undefined;
    if (!token) throw new HttpError(401, 'unauthorized', UNAUTHORIZED, { headers: { 'www-authenticate': 'Bearer' } });
    request.apiToken = token;
  };
}

/** preHandler: 403 naming the scope the token lacks. */
export function requireScope(scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!request.apiToken?.scopes.includes(scope)) throw scopeRefusal(scope);
  };
}

export const hasScope = (request: FastifyRequest, scope: Scope): boolean =>
  Boolean(request.apiToken?.scopes.includes(scope));

/** The authenticated caller of a request, for the shared service functions (./service.ts). */
export const callerOf = (request: FastifyRequest): Caller => ({ token: request.apiToken!, log: request.log });
