import { z } from 'zod';
import { describeIssue } from './validation';

/**
 * A shipped package as the warehouse reports it: the shipmentDone signal (typed in the Temporal UI, sent by the CLI)
 * and the API's POST. The one definition of what a valid shipment is: the order workflow checks a signal with it
 * before anything enters the book, the book records with it, the CLI and the API answer with its messages.
 * Pure (zod only): the workflow bundle imports it. Messages follow the field they describe (book/operation.ts).
 */
export const ShipmentInput = z.object(
  {
    carrier: z.string({ error: 'is required (e.g. "UPS")' }).trim().min(1, 'is required (e.g. "UPS")'),
    carrierName: z.string({ error: 'must be a string' }).optional(),
    trackingNumber: z.string({ error: 'is required for every package' }).trim().min(1, 'is required for every package'),
    shipDate: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' })
      .optional(),
    shippingMethod: z.string({ error: 'must be a string' }).optional(),
    items: z
      .array(
        z.object(
          {
            sku: z.string({ error: 'is required' }).min(1, 'is required'),
            quantity: z
              .number({ error: 'must be a whole number above 0' })
              .int('must be a whole number above 0')
              .positive('must be a whole number above 0'),
          },
          { error: 'must be {sku, quantity}' },
        ),
        { error: 'must be a non-empty list of {sku, quantity}' },
      )
      .min(1, 'must be a non-empty list of {sku, quantity}')
      .optional(),
  },
  { error: 'shipmentDone payload must be a JSON object like {"carrier":"UPS","trackingNumber":"1Z..."}' },
);
export type ShipmentInput = z.output<typeof ShipmentInput>;

/** The workflow's check of a shipmentDone payload (also what the CLI and API answer with). */
export function checkShipment(raw: unknown): { ok: true; shipment: ShipmentInput } | { ok: false; reason: string } {
  const parsed = ShipmentInput.safeParse(raw);
  if (parsed.success) {
    // Optional fields left out rather than undefined: the shipment travels as JSON, into activities and history.
    const shipment = Object.fromEntries(
      Object.entries(parsed.data).filter(([, v]) => v !== undefined && v !== ''),
    ) as ShipmentInput;
    return { ok: true, shipment };
  }
  return { ok: false, reason: describeIssue(parsed.error.issues[0]).message };
}
