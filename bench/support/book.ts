import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createOrderActivities } from '../../activities/order';
import type { SpApi } from '../../activities/spapi/gateway';
import type { Db } from '../../db';
import { logger } from '../../lib/logger';

/**
 * Orders in the book without Temporal or Amazon: fixture payloads stored as after a search (snapshots), imported by
 * the order activity's importOrder, eight callers at a time, into an account no worker serves.
 */
export async function insertBareAccount(db: Db, id: string, sellerId: string): Promise<void> {
  await db('seller_accounts').insert({
    id,
    seller_id: sellerId,
    region: 'na',
    client_id: 'x',
    client_secret_enc: 'x',
    refresh_token_enc: 'x',
    secret_key_id: 'x',
  });
}

/** A function importing the given order ids (the fixture under each id, `change` applied); resolves to the ms taken. */
export function fixtureImporter(db: Db, accountId: string, fixtureName = 'us-fbm-gift-promotions.json') {
  const activities = createOrderActivities({
    db,
    spapi: {} as SpApi, // never called: every payload is a snapshot
    logger: logger.child({ bench: 'fixture-import' }),
    piiRetentionMs: 30 * 86_400_000,
    shipRiskMarginMs: 3_600_000,
    temporal: {} as Client,
    taskQueue: 'unused',
  });
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../test/fixtures/orders', fixtureName), 'utf8'));
  return async (ids: string[], change: (order: any, i: number) => any = (o) => o): Promise<number> => {
    const updated = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < ids.length; i += 1000)
      await db('amazon_order_snapshots').insert(
        ids.slice(i, i + 1000).map((id, k) => ({
          account_id: accountId,
          amazon_order_id: id,
          last_updated_time: updated,
          payload: change({ ...structuredClone(fixture), orderId: id, lastUpdatedTime: updated }, i + k),
        })),
      );
    const t0 = Date.now();
    for (let i = 0; i < ids.length; i += 8)
      await Promise.all(
        ids.slice(i, i + 8).map((id) =>
          activities.importOrder({
            accountId,
            amazonOrderId: id,
            lastUpdatedTime: updated,
            workflowId: `order:${accountId}:${id}`,
          }),
        ),
      );
    return Date.now() - t0;
  };
}
