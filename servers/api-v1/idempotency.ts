import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../../book/idempotency';
import type { Db } from '../../db';
import { HttpError } from '../app';

/** An answer of a write: its status and body, kept for a replay of the same Idempotency-Key. */
export interface Answer {
  status: number;
  body: unknown;
}

/** How long a request whose key is still being answered by another waits for that answer. */
const IN_PROGRESS_WAIT_MS = 40_000;

/**
 * Runs a write once per Idempotency-Key (per token): a replay with the same key and body gets the first answer and
 * does nothing; the same key with another body is 409. A definitive answer (2xx, 4xx) is kept; an unexpected failure
 * gives the key back, so the client may retry with it. Without the header the write simply runs.
 */
export async function idempotent(
  db: Db,
  request: FastifyRequest,
  reply: FastifyReply,
  run: () => Promise<Answer>,
): Promise<FastifyReply> {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (!key) return send(reply, await run());
  if (key.length > 200)
    throw new HttpError(400, 'invalid_request', 'Idempotency-Key: at most 200 characters', {
      field: 'Idempotency-Key',
    });
  const ref = { tokenId: request.apiToken!.id, key };
  const claim = {
    ...ref,
    method: request.method,
    path: request.url.split('?')[0],
    bodyHash: crypto
      .createHash('sha256')
      .update(JSON.stringify(request.body ?? null))
      .digest('hex'),
  };
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  for (;;) {
    const state = await claimIdempotencyKey(db, claim);
    if (state.state === 'done')
      return send(reply.header('idempotent-replayed', 'true'), { status: state.status, body: state.response });
    if (state.state === 'conflict')
      throw new HttpError(
        409,
        'idempotency_key_reused',
        'this Idempotency-Key was used for another request (method, path or body): use a new key for a new request',
        { field: 'Idempotency-Key' },
      );
    if (state.state === 'claimed') break;
    if (Date.now() > deadline)
      throw new HttpError(
        409,
        'idempotency_in_progress',
        'a request with this Idempotency-Key is still being answered: retry later',
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  let answer: Answer;
  try {
    answer = await run();
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) answer = { status: err.status, body: err.body };
    else {
      await releaseIdempotencyKey(db, ref);
      throw err;
    }
  }
  await completeIdempotencyKey(db, { ...ref, status: answer.status, response: answer.body });
  return send(reply, answer);
}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  return reply.code(answer.status).send(answer.body);
}
