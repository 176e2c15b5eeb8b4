import { defineQuery, executeChild, setHandler } from '@temporalio/workflow';
import type { OrderSyncResult } from './order-sync';

export const backfillProgress = defineQuery<BackfillProgress>('progress');

export interface BackfillInput {
  accountId: string;
  from: string;
  to: string;
  /** Length of each slice; default one day. */
  sliceHours?: number;
}

export interface BackfillProgress {
  slices: number;
  done: number;
  found: number;
  dispatched: number;
}

/**
 * Imports an account's orders updated in [from, to), one child orderSync per slice so that each run's history stays
 * small and a failure resumes at its slice. The schedule's cursor is left alone.
 */
export async function backfill(input: BackfillInput): Promise<BackfillProgress> {
  const sliceMs = (input.sliceHours ?? 24) * 3_600_000;
  const from = Date.parse(input.from);
  const to = Date.parse(input.to);
  const starts: number[] = [];
  for (let t = from; t < to; t += sliceMs) starts.push(t);
  const progress: BackfillProgress = { slices: starts.length, done: 0, found: 0, dispatched: 0 };
  setHandler(backfillProgress, () => progress);
  for (const start of starts) {
    const since = new Date(start).toISOString();
    const until = new Date(Math.min(start + sliceMs, to)).toISOString();
    const result = await executeChild<(i: unknown) => Promise<OrderSyncResult>>('orderSync', {
      workflowId: `backfill-slice:${input.accountId}:${since}`,
      args: [{ accountId: input.accountId, since, until, advanceCursor: false }],
    });
    progress.done++;
    progress.found += result.found;
    progress.dispatched += result.dispatched;
  }
  return progress;
}
