/**
 * Finances: (1) listTransactions under its real usage plan (0.5 requests/s, burst 10), time-scaled: the sandbox
 * enforces the plan x<K> faster (--speedup, default 10) and the connector's shared limiter runs at the same speed; a
 * financeSync window's pages (transactionsPage → mapTransaction → storeTransactions, the body of the syncFinanceWindow
 * activity, which reads the next page while it stores one) over the sandbox's transactions of N generated orders
 * (--orders 145000: about 101,000 transactions). Achieved ÷ allowed: the calls made ÷ the calls the plan allows over
 * their span (burst + rate × span), and the rate of the second half of the calls (the burst spent) ÷ the plan's rate.
 * (2) The book's write time per 1,000 transactions for --transactions (100,000) more: the sandbox's transactions copied
 * with fresh ids (new settlement groups too), stored in pages of 100 as the sync stores them, on top of part 1's.
 * Last line: `RESULT finances <achieved÷allowed steady> <ms per 1,000 stored>`.
 *   npm run bench -- finances [--quick] [--orders 145000] [--transactions 100000] [--speedup 10]
 */
import { pageTransactions } from '../activities/finance-sync';
import { emptyTotals } from '../lib/finance-totals';
import { mapTransaction } from '../activities/spapi/finance-mapping';
import { SpApiClients } from '../activities/spapi/clients';
import { SpApi } from '../activities/spapi/gateway';
import { RateLimiter } from '../activities/spapi/rate-limiter';
import { storeTransactions } from '../book/finances';
import { USAGE_PLANS } from '../lib/amazon-facts';
import { QuotaExceeded } from '../lib/errors';
import { keyringFromEnv } from '../lib/secrets';
import { startSandbox } from '../sandbox';
import { SandboxAdmin } from '../sandbox/admin-client';
import { machine, option } from './support/args';
import { createAccounts, formatTable, seconds, US } from './support/connector';
import { freshDatabase, runBench } from './support/processes';

const ORDERS = Number(option('--orders') ?? 145_000);
const TRANSACTIONS = Number(option('--transactions') ?? 100_000);
const SPEEDUP = Number(option('--speedup') ?? 10);
process.env.CONNECTOR_SECRET_KEY ??= '4f'.repeat(32);
const ACCOUNT = { id: 'bench-money', sellerId: 'A1BENCHMONEY01', region: 'na' as const, marketplaceIds: [US] };

async function main() {
  const database = await freshDatabase('bench_finances');
  const db = database.db;
  const sandbox = await startSandbox({
    port: 0,
    rateLimits: `x${SPEEDUP}`,
    finances: { financeLag: '0s', financeDeferral: '0s' },
  });
  const admin = new SandboxAdmin(sandbox.url);
  try {
    await createAccounts(db, admin, sandbox.url, [ACCOUNT]);
    const generatedAt = Date.now();
    // The admin API generates up to 100,000 orders a call: in chunks, each with its own seed.
    for (let done = 0, chunk = 0; done < ORDERS; done += 50_000, chunk++)
      await admin.generateOrders(ACCOUNT.sellerId, {
        count: Math.min(50_000, ORDERS - done),
        seed: 7 + chunk,
        fbaShare: 1, // shipped at once: one Shipment transaction each
        pendingShare: 0,
        cancelledShare: 0,
        withinHours: 150 * 24,
      });
    console.log(`generated ${ORDERS} orders in ${seconds(Date.now() - generatedAt)} s`);

    // (1) The sync under the usage plan.
    const completions: number[] = [];
    let throttled = 0;
    const spapi = new SpApi(
      new SpApiClients(db, keyringFromEnv()),
      new RateLimiter(db, { speedup: SPEEDUP }),
      (operation, outcome) => {
        if (operation !== 'listTransactions') return;
        if (outcome === 'ok') completions.push(Date.now());
        if (outcome === 'throttled') throttled++;
      },
    );
    const postedAfter = new Date(Date.now() - 170 * 86_400_000).toISOString();
    // The syncFinanceWindow activity's loop; a QuotaExceeded resumes from the last stored page after its delay, as
    // Temporal's retry would (from the heartbeat).
    const totals = emptyTotals();
    let resumeFrom: string | undefined;
    const started = Date.now();
    for (let done = false; !done;) {
      try {
        await pageTransactions({ db, spapi }, { accountId: ACCOUNT.id, postedAfter }, resumeFrom, totals, (t) => {
          resumeFrom = t;
        });
        done = true;
      } catch (err) {
        if (!(err instanceof QuotaExceeded)) throw err;
        await new Promise((r) => setTimeout(r, err.nextRetryDelayMs));
      }
    }
    const read = totals.read;
    const wallMs = Date.now() - started;
    const allowed = USAGE_PLANS.listTransactions.rate * SPEEDUP;
    const rate = (times: number[]) => ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
    const burst = USAGE_PLANS.listTransactions.burst;
    // What the plan allows over the span: the burst, then the rate. Steady state: the second half of the calls,
    // once the burst is spent (calls come one after another, so the burst drains only slowly).
    const spanS = (completions[completions.length - 1] - completions[0]) / 1000;
    const overall = completions.length / (burst + allowed * spanS);
    const steady = rate(completions.slice(Math.floor(completions.length / 2))) / allowed;
    const stats = await admin.stats();
    const served = stats.operations.listTransactions ?? { calls: 0, '429': 0 };
    console.log(
      formatTable(`listTransactions at x${SPEEDUP} (allowed ${allowed}/s, burst ${burst})`, [
        {
          transactions: read,
          pages: completions.length,
          'calls (sandbox)': served.calls,
          '429s served': served['429'],
          'our throttled': throttled,
          'achieved/s': rate(completions).toFixed(3),
          'calls ÷ (burst + rate × span)': overall.toFixed(3),
          'steady (2nd half) ÷ allowed': steady.toFixed(3),
          'wall s': seconds(wallMs),
        },
      ]),
    );

    // (2) The book's write time up to TRANSACTIONS, copies of what the sandbox served with fresh ids.
    const templates = (await admin.financeTransactions(ACCOUNT.sellerId)).transactions.map((t) => t.transaction);
    const rows: Array<{ stored: number; msPer1000: string }> = [];
    let stored = 0;
    let sliceMs = 0;
    let sliceCount = 0;
    let totalMs = 0;
    for (let copy = 1; stored < TRANSACTIONS; copy++) {
      for (let i = 0; i < templates.length && stored < TRANSACTIONS; i += 100) {
        const page = templates.slice(i, Math.min(i + 100, i + TRANSACTIONS - stored)).map((t: any) => {
          const c = structuredClone(t);
          c.transactionId = `${t.transactionId}-c${copy}`;
          for (const r of c.relatedIdentifiers)
            if (r.relatedIdentifierName !== 'SETTLEMENT_ID')
              r.relatedIdentifierValue = `${r.relatedIdentifierValue}-c${copy}`;
          return mapTransaction(c);
        });
        const t0 = performance.now();
        await storeTransactions(db, { accountId: ACCOUNT.id, transactions: page });
        const ms = performance.now() - t0;
        stored += page.length;
        sliceMs += ms;
        sliceCount += page.length;
        totalMs += ms;
        if (sliceCount >= 10_000 || stored >= TRANSACTIONS) {
          rows.push({ stored, msPer1000: ((sliceMs / sliceCount) * 1000).toFixed(0) });
          sliceMs = 0;
          sliceCount = 0;
        }
      }
    }
    const perThousand = (totalMs / stored) * 1000;
    console.log(
      formatTable(
        `storeTransactions, pages of 100, up to ${stored} (ms per 1,000 in each slice of 10,000)`,
        rows.map((r) => ({ 'stored so far': r.stored, 'ms / 1,000': r.msPer1000 })),
      ),
    );
    console.log(
      `overall ${perThousand.toFixed(0)} ms per 1,000 transactions (${(stored / (totalMs / 1000)).toFixed(0)}/s)`,
    );
    console.log(machine());
    console.log(`RESULT finances ${steady.toFixed(3)} ${perThousand.toFixed(0)}`);
  } finally {
    await sandbox.close();
    await database.drop();
  }
}

runBench(main);
