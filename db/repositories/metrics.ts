import type { Db } from '..';

/**
 * Orders waiting in needs_attention per account, for the connector_orders_needs_attention gauge: every account is
 * listed, with 0 when nothing waits, so an alert on the series never sees it vanish.
 */
export async function needsAttentionByAccount(db: Db): Promise<Array<{ account: string; orders: number }>> {
  const rows = await db('seller_accounts as a')
    .leftJoin('sale_orders as o', (j) => j.on('o.account_id', 'a.id').andOnVal('o.state', 'needs_attention'))
    .groupBy('a.id')
    .orderBy('a.id')
    .select('a.id as account', db.raw('count(o.id)::int as n'));
  return rows.map((r: any) => ({ account: String(r.account), orders: Number(r.n) }));
}
