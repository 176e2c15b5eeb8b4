import type { Db } from '../../../db';

/** What one Amazon order must end as: imported (to the cent, every item a line) or flagged with a reason. */
export interface ExpectedOrder {
  accountId: string;
  amazonOrderId: string;
  channel: 'FBA' | 'FBM';
  status: string;
  grandTotal: string | null;
  items: number;
  expect: 'imported' | 'flagged';
  /** For a flag: what its reason must say. */
  reason?: RegExp;
  /** R5: the edge case's name, printed with any mismatch. */
  label?: string;
}

export interface Outcome {
  expected: number;
  imported: number;
  duplicated: number;
  flagged: number;
  halfWritten: number;
  missing: string[];
  /** Ended otherwise than expected: flagged instead of imported (or the reverse), or imported with other amounts. */
  wrong: string[];
}

/** The book against the truth: every expected order once, imported correctly or flagged with its reason. */
export async function outcomeOf(db: Db, truth: ExpectedOrder[]): Promise<Outcome> {
  const rows = await db('sale_orders as o')
    .whereIn(
      'o.amazon_order_id',
      truth.map((t) => t.amazonOrderId),
    )
    .select(
      'o.id',
      'o.account_id',
      'o.amazon_order_id',
      'o.state',
      'o.channel',
      'o.amount_total',
      'o.attention_reason',
      'o.attention_source',
      db.raw(
        `(SELECT count(*) FROM sale_order_lines l WHERE l.order_id = o.id AND l.kind = 'product')::int AS product_lines`,
      ),
      db.raw(`(SELECT count(*) FROM sale_order_lines l WHERE l.order_id = o.id)::int AS lines`),
      db.raw(`(SELECT count(*) FROM deliveries d WHERE d.order_id = o.id AND d.ref = 'main')::int AS main_deliveries`),
      db.raw(`(SELECT count(*) FROM stock_moves m WHERE m.origin = o.amazon_order_id)::int AS moves`),
    );
  const byId = new Map<string, any[]>();
  for (const r of rows)
    byId.set(`${r.account_id}/${r.amazon_order_id}`, [...(byId.get(`${r.account_id}/${r.amazon_order_id}`) ?? []), r]);
  const out: Outcome = {
    expected: truth.length,
    imported: 0,
    duplicated: 0,
    flagged: 0,
    halfWritten: 0,
    missing: [],
    wrong: [],
  };
  for (const t of truth) {
    const found = byId.get(`${t.accountId}/${t.amazonOrderId}`) ?? [];
    const name = t.label ? `${t.label} (${t.amazonOrderId})` : t.amazonOrderId;
    if (found.length === 0) {
      out.missing.push(name);
      continue;
    }
    const r = found[0];
    if (found.length > 1 || r.product_lines > t.items || r.main_deliveries > 1 || r.moves > t.items) out.duplicated++;
    if (r.state === 'needs_attention') {
      if (!r.attention_reason) continue; // a flag without a reason counts as neither
      out.flagged++;
      if (r.attention_source === 'import' && r.lines > 0) out.halfWritten++;
      if (t.expect !== 'flagged') out.wrong.push(`${name}: flagged "${r.attention_reason}" but should import`);
      else if (t.reason && !t.reason.test(r.attention_reason))
        out.wrong.push(`${name}: flagged "${r.attention_reason}", expected ${t.reason}`);
      continue;
    }
    const complete =
      r.product_lines === t.items && (t.channel === 'FBA' || t.status === 'CANCELLED' || r.main_deliveries === 1);
    const total = t.grandTotal === null || Number(r.amount_total).toFixed(2) === Number(t.grandTotal).toFixed(2);
    if (!complete) out.halfWritten++;
    if (complete && total && r.channel === t.channel) out.imported++;
    if (t.expect !== 'imported') out.wrong.push(`${name}: imported (state ${r.state}) but should be flagged`);
    else if (!complete || !total || r.channel !== t.channel) {
      out.wrong.push(
        `${name}: imported with ${r.product_lines}/${t.items} product lines, total ${r.amount_total} vs Amazon ${t.grandTotal}`,
      );
    }
  }
  return out;
}

/** The line each scenario prints: the four counts, then what explains a failure. */
export function describeOutcome(name: string, o: Outcome): string {
  return (
    `[${name}] expected ${o.expected}  imported ${o.imported}  duplicated ${o.duplicated}  flagged-with-reason ${o.flagged}` +
    `  (half-written ${o.halfWritten}, missing ${o.missing.length}, wrong ${o.wrong.length})`
  );
}

export const settled = (o: Outcome) => o.imported + o.flagged === o.expected && o.duplicated === 0;
