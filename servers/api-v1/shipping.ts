import crypto from 'node:crypto';
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { packageAnswer, PackageAnswer } from '../../book/packages';
import type { Db } from '../../db';
import type { ShipmentRefusal } from '../../lib/errors';
import type { ShipmentInput } from '../../lib/shipment';
import { ship, ShipResult } from '../../workflows/order';

/**
 * A shipment sent to its order's workflow as the `ship` Workflow Update, then Amazon's answer awaited in the book: the
 * one path of `POST /v1/orders/{id}/shipments` and `connector ship`.
 */

export const ShipmentOutcome = z.object({
  /** The package the shipment became (null only when the workflow did not answer within the wait). */
  package: PackageAnswer.nullable(),
  /**
   * accepted: Amazon confirmed it; rejected: see error; pending: not answered yet (poll the order), or not sent
   * (error confirmation_blocked: the credentials were refused; it goes when the order is retried).
   */
  amazon: z.enum(['accepted', 'rejected', 'pending']),
  /** The same tracking and items as a package recorded before: nothing new was recorded or sent. */
  duplicate: z.boolean(),
  workflowId: z.string(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ShipmentOutcome = z.infer<typeof ShipmentOutcome>;

/** Why the workflow did not take the shipment: its reason, or that the workflow is not running. */
export class ShipmentNotTaken extends Error {
  constructor(
    readonly code: 'shipment_rejected' | 'workflow_closed',
    message: string,
  ) {
    super(message);
  }
}

const POLL_MS = 200;

/** The HTTP status of each reason a shipment is refused before it reaches the workflow. */
export const REFUSAL_STATUS: Record<ShipmentRefusal, number> = {
  unknown_order: 404,
  not_fbm: 409,
  cancelled: 409,
  nothing_open: 409,
  invalid: 422,
  over_quantity: 422,
};
/** How long a caller waits for Amazon's answer by default: confirmShipment answers in seconds unless throttled. */
export const SHIPMENT_WAIT_MS = 30_000;

async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function shipAndAwait(
  db: Db,
  client: Client,
  input: {
    order: { account: string; amazonOrderId: string; workflowId: string };
    shipment: ShipmentInput;
    /** How long to wait for the package and Amazon's answer in all (0: only for the package). */
    waitMs: number;
    /** Temporal deduplicates updates by id within a run: an Idempotency-Key makes a retried request one update. */
    updateId?: string;
  },
): Promise<ShipmentOutcome> {
  const { order } = input;
  const deadline = Date.now() + Math.max(input.waitMs, 5_000);
  let result: ShipResult | undefined;
  try {
    result = await within(
      Math.max(0, deadline - Date.now()),
      client.workflow.getHandle(order.workflowId).executeUpdate(ship, {
        args: [input.shipment],
        updateId: input.updateId ?? crypto.randomUUID(),
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new ShipmentNotTaken(
        'workflow_closed',
        `the workflow of ${order.amazonOrderId} is not running (${order.workflowId}): see \`connector failed list\``,
      );
    if (err instanceof WorkflowUpdateFailedError)
      throw new ShipmentNotTaken('shipment_rejected', err.cause?.message ?? err.message);
    throw err;
  }
  const base = { workflowId: order.workflowId, duplicate: false };
  if (!result) return { ...base, package: null, amazon: 'pending' };
  if (result.outcome === 'rejected') throw new ShipmentNotTaken('shipment_rejected', result.reason);
  const ref = {
    accountId: order.account,
    amazonOrderId: order.amazonOrderId,
    packageReferenceId: result.packageReferenceId,
  };
  let answer = await packageAnswer(db, ref);
  while (answer?.confirmation === 'pending' && !answer.blocked && input.waitMs > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    answer = await packageAnswer(db, ref);
  }
  const pkg = answer ?? null;
  const outcome = { ...base, duplicate: result.duplicate, package: pkg };
  if (pkg?.confirmation === 'confirmed') return { ...outcome, amazon: 'accepted' };
  if (pkg?.confirmation === 'rejected')
    return {
      ...outcome,
      amazon: 'rejected',
      error: { code: 'amazon_rejected', message: pkg.amazonError ?? 'Amazon rejected the package' },
    };
  if (pkg?.blocked)
    return { ...outcome, amazon: 'pending', error: { code: 'confirmation_blocked', message: pkg.blocked } };
  return { ...outcome, amazon: 'pending' };
}
