/**
 * SQL statements per order import: runs the importOrder activity (activities/orders.ts) on fixture orders against a
 * fresh database and counts the statements knex sends (its 'query' event), BEGIN and COMMIT included.
 *   npx ts-node --transpile-only bench/order-statements.ts
 * The payload comes from amazon_order_snapshots, as after a search: no call to Amazon.
 */
import fs from 'fs';
import type { Client } from '@temporalio/client';
import path from 'path';
import { createOrderActivities } from '../activities/order';
import type { SpApi } from '../activities/spapi/gateway';
import { logger } from '../lib/logger';
import { formatTable, Row } from './support/connector';
import { freshDatabase, runBench } from './support/processes';

const ACCOUNT = 'statements';

const CASES: Array<{ name: string; fixture: string; status?: string }> = [
  { name: 'US FBM, gift and promotions', fixture: 'us-fbm-gift-promotions.json' },
  { name: 'DE FBM, VAT', fixture: 'de-fbm-vat.json' },
  { name: 'US FBA, shipped', fixture: 'us-fba-no-pii.json' },
];

async function main(): Promise<void> {
  const database = await freshDatabase('connector_bench_statements', undefined, 2);
  const { db } = database;
  try {
    await db('seller_accounts').insert({
      id: ACCOUNT,
      seller_id: 'A0STATEMENTS',
      region: 'na',
      client_id: 'x',
      client_secret_enc: 'x',
      refresh_token_enc: 'x',
      secret_key_id: 'x',
    });
    const activities = createOrderActivities({
      db,
      spapi: {} as SpApi, // never called: every payload is a snapshot
      logger: logger.child({ bench: 'statements' }),
      piiRetentionMs: 30 * 86_400_000,
      shipRiskMarginMs: 3_600_000,
      temporal: {} as Client, // never called: the imports are not asked to request a stock sync
      taskQueue: 'unused',
    });
    let statements = 0;
    db.on('query', (q: { sql: string }) => {
      statements++;
      if (process.env.SHOW_SQL) process.stdout.write(`${q.sql.slice(0, 150)}\n`);
    });
    const rows: Row[] = [];
    const importOnce = async (order: any, amazonOrderId: string, updated: string) => {
      const payload = { ...order, orderId: amazonOrderId, lastUpdatedTime: updated };
      await db('amazon_order_snapshots')
        .insert({ account_id: ACCOUNT, amazon_order_id: amazonOrderId, last_updated_time: updated, payload })
        .onConflict(['account_id', 'amazon_order_id'])
        .merge();
      statements = 0;
      const summary = await activities.importOrder({
        accountId: ACCOUNT,
        amazonOrderId,
        lastUpdatedTime: updated,
        workflowId: `order-${amazonOrderId}`,
      });
      return `${statements} (${summary.outcome}, ${summary.state})`;
    };
    for (const [i, c] of CASES.entries()) {
      const order = JSON.parse(fs.readFileSync(path.join(__dirname, '../test/fixtures/orders', c.fixture), 'utf8'));
      const amazonOrderId = `900-0000000-000000${i}`;
      // The first order of its kind (what a worker reads once is read here), the same order updated (every line
      // again), then another new order of the same content: a worker's steady state.
      const first = await importOnce(order, amazonOrderId, '2026-11-26T10:00:00Z');
      const again = await importOnce(order, amazonOrderId, '2026-11-26T11:00:00Z');
      const next = await importOnce(order, `901-0000000-000000${i}`, '2026-11-26T10:00:00Z');
      const lines = await db('sale_order_lines')
        .join('sale_orders', 'sale_orders.id', 'sale_order_lines.order_id')
        .where('sale_orders.amazon_order_id', amazonOrderId)
        .count({ n: '*' })
        .first();
      rows.push({
        order: c.name,
        lines: String(lines?.n),
        'first import': first,
        're-import': again,
        'next order': next,
      });
    }
    process.stdout.write(`\n${formatTable('SQL statements per importOrder (BEGIN and COMMIT included)', rows)}`);
  } finally {
    await database.drop();
  }
}

runBench(main);
