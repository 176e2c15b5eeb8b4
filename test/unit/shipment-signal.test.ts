import { checkShipment } from '../../lib/shipment';
import { isPending, newerHeader } from '../../workflows/order-types';

describe('the shipmentDone payload, as typed in the Temporal UI or sent by the warehouse', () => {
  it('accepts carrier and tracking, trimming them', () => {
    expect(checkShipment({ carrier: ' UPS ', trackingNumber: ' 1Z999 ' })).toEqual({
      ok: true,
      shipment: { carrier: 'UPS', trackingNumber: '1Z999' },
    });
  });

  it('keeps items, ship date, method and carrier name', () => {
    const payload = {
      carrier: 'Other',
      carrierName: 'Kurier Müller',
      trackingNumber: 'KM-1',
      shipDate: '2026-11-26T10:00:00Z',
      shippingMethod: 'Standard',
      items: [{ sku: 'A', quantity: 2 }],
    };
    expect(checkShipment(payload)).toEqual({ ok: true, shipment: payload });
  });

  it.each([
    [null, 'must be a JSON object'],
    ['UPS 1Z', 'must be a JSON object'],
    [[], 'must be a JSON object'],
    [{ trackingNumber: '1Z' }, 'carrier is required'],
    [{ carrier: 'UPS' }, 'trackingNumber is required'],
    [{ carrier: 'UPS', trackingNumber: '   ' }, 'trackingNumber is required'],
    [{ carrier: 'UPS', trackingNumber: '1Z', shipDate: 'yesterday' }, 'shipDate must be an ISO 8601'],
    [{ carrier: 'UPS', trackingNumber: '1Z', shipDate: '2026-11-26' }, 'shipDate must be an ISO 8601 date-time'],
    [{ carrier: 'UPS', trackingNumber: '1Z', shipDate: 'Nov 26 2026' }, 'shipDate must be an ISO 8601 date-time'],
    [{ carrier: 'UPS', trackingNumber: '1Z', items: [] }, 'items must be a non-empty list'],
    [
      { carrier: 'UPS', trackingNumber: '1Z', items: [{ sku: 'A', quantity: 0 }] },
      'items[0].quantity must be a whole number above 0',
    ],
    [{ carrier: 'UPS', trackingNumber: '1Z', items: [{ sku: 'A', quantity: 1.5 }] }, 'items[0].quantity'],
    [{ carrier: 'UPS', trackingNumber: '1Z', items: [{ quantity: 1 }] }, 'items[0].sku is required'],
  ])('rejects %j with a reason naming the field', (payload, reason) => {
    const result = checkShipment(payload);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});

describe('Amazon order headers', () => {
  const header = (status: string, time: string) => ({
    amazonOrderId: '1',
    marketplaceId: 'M',
    channel: 'FBM' as const,
    amazonStatus: status,
    lastUpdatedTime: time,
  });

  it('treats PENDING and PENDING_AVAILABILITY as not yet importable', () => {
    expect(isPending('PENDING')).toBe(true);
    expect(isPending('PENDING_AVAILABILITY')).toBe(true);
    expect(isPending('UNSHIPPED')).toBe(false);
  });

  it('keeps the header Amazon updated last, whatever order signals arrive in', () => {
    const older = header('PENDING', '2026-11-26T10:00:00Z');
    const newer = header('UNSHIPPED', '2026-11-26T11:00:00Z');
    expect(newerHeader(older, newer)).toBe(newer);
    expect(newerHeader(newer, older)).toBe(newer);
  });
});
