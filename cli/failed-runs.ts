import crypto from 'node:crypto';
import os from 'node:os';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowExecutionInfo,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import {
  decodeArrayFromPayloads,
  decodeMapFromPayloads,
  decodeOptionalFailureToOptionalError,
} from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { UserError } from '../lib/errors';
import { AMAZON_ORDER_ID, SELLER_ACCOUNT } from '../workflows/search-attributes';

/**
 * Failed runs in Temporal, and how they are started again. A run counts as failed while it is the latest run of its
 * workflow id: after `replay`, the old run keeps its Failed status in visibility but is superseded.
 */
export const FAILED_STATUS_QUERY = "(ExecutionStatus='Failed' OR ExecutionStatus='TimedOut')";

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ProtoFailure = temporal.api.failure.v1.IFailure;

export interface FailedRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: 'Failed' | 'TimedOut';
  closeTime: string | null;
  account: string | null;
  amazonOrderId: string | null;
  /** The innermost failure's type (ApplicationFailure type, or the kind of timeout): never encrypted. */
  errorType: string;
  activityType: string | null;
  /** Decoded with the client's data converter; null when the payload key is missing (types only). */
  message: string | null;
}

const num = (v: unknown): number =>
  typeof v === 'number' ? v : Number((v as { toString(): string } | null | undefined)?.toString() ?? NaN);

export function failedRunsQuery(options: { query?: string; account?: string } = {}): string {
  const parts = [FAILED_STATUS_QUERY];
  if (options.account) parts.push(`SellerAccount='${options.account.replace(/'/g, "\\'")}'`);
  if (options.query) parts.push(`(${options.query})`);
  return parts.join(' AND ');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** The chain outer → inner of a proto failure (ActivityFailure → ApplicationFailure …). */
function chain(failure: ProtoFailure | null | undefined): ProtoFailure[] {
  const out: ProtoFailure[] = [];
  for (let f = failure; f; f = f.cause) out.push(f);
  return out;
}

function failureType(f: ProtoFailure): string {
  if (f.applicationFailureInfo) return f.applicationFailureInfo.type || 'Error';
  if (f.timeoutFailureInfo)
    return `Timeout:${temporal.api.enums.v1.TimeoutType[f.timeoutFailureInfo.timeoutType ?? 0].replace('TIMEOUT_TYPE_', '')}`;
  if (f.canceledFailureInfo) return 'Cancelled';
  if (f.terminatedFailureInfo) return 'Terminated';
  if (f.serverFailureInfo) return 'ServerFailure';
  return 'Unknown';
}

/** Why a run failed: types and activity from the raw close event; the message decoded through the data converter. */
async function failureOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<Pick<FailedRun, 'errorType' | 'activityType' | 'message'>> {
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    skipArchival: true,
  });
  const close = res.history?.events?.[0];
  if (close?.workflowExecutionTimedOutEventAttributes) {
    return {
      errorType: 'WorkflowTimedOut',
      activityType: null,
      message: 'the run passed its execution or run timeout',
    };
  }
  const failure = close?.workflowExecutionFailedEventAttributes?.failure;
  const links = chain(failure);
  if (links.length === 0) return { errorType: 'Unknown', activityType: null, message: null };
  const activityType = links.find((f) => f.activityFailureInfo)?.activityFailureInfo?.activityType?.name ?? null;
  let message: string | null = null;
  try {
    // Messages and stack traces sit in encodedAttributes (encrypted): the codec and failure converter restore them.
    let error = await decodeOptionalFailureToOptionalError(client.options.loadedDataConverter, failure);
    while (error?.cause instanceof Error) error = error.cause;
    message = error?.message ?? null;
  } catch {
    message = null;
  }
  return { errorType: failureType(links[links.length - 1]), activityType, message };
}

/**
 * The latest runs that failed or timed out, newest first, each with its failure. `limit` bounds how many visibility
 * rows are read (one history call per run follows).
 */
export async function listFailedRuns(
  client: Client,
  options: { query?: string; account?: string; limit?: number } = {},
): Promise<FailedRun[]> {
  // Bounded whatever the caller passes: the visibility list of a busy namespace has no end of its own.
  const limit = Number.isInteger(options.limit) && options.limit! > 0 ? Math.min(options.limit!, 10_000) : 1000;
  // Every failed run of a workflow id (a replay that failed again leaves two), grouped by id.
  const byWorkflow = new Map<string, WorkflowExecutionInfo[]>();
  let read = 0;
  for await (const info of client.workflow.list({ query: failedRunsQuery(options), pageSize: Math.min(limit, 500) })) {
    if (read++ >= limit) break;
    byWorkflow.set(info.workflowId, [...(byWorkflow.get(info.workflowId) ?? []), info]);
  }
  const runs = await mapLimit(
    [...byWorkflow.entries()],
    8,
    async ([workflowId, infos]): Promise<FailedRun | undefined> => {
      // Only the latest run counts: one superseded by a replay (or any newer run of the id) is not failed any more.
      const latest = await client.workflow.getHandle(workflowId).describe();
      const info = infos.find((i) => i.runId === latest.runId);
      if (!info) return undefined;
      return {
        workflowId,
        runId: info.runId,
        workflowType: info.type,
        status: info.status.name === 'TIMED_OUT' ? 'TimedOut' : 'Failed',
        closeTime: info.closeTime?.toISOString() ?? null,
        account: info.typedSearchAttributes.get(SELLER_ACCOUNT) ?? null,
        amazonOrderId: info.typedSearchAttributes.get(AMAZON_ORDER_ID) ?? null,
        ...(await failureOf(client, workflowId, info.runId)),
      };
    },
  );
  return runs
    .filter((r): r is FailedRun => r !== undefined)
    .sort((a, b) => String(b.closeTime).localeCompare(String(a.closeTime)));
}

async function fullHistory(client: Client, workflowId: string, runId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/**
 * Where `--reset` rewinds a failed run: the workflow task before the failure, so deployed fixes take over.
 * - An activity (or child) failure made the run fail: the task that scheduled it, so the fixed activity runs again.
 * - The workflow code itself failed: the task that failed it, so fixed workflow code decides again.
 * - A timed-out run: its last completed workflow task.
 */
export function resetPoint(events: HistoryEvent[]): number {
  const byId = new Map(events.map((e) => [num(e.eventId), e]));
  const completed = events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => num(e.eventId));
  if (completed.length === 0) throw new UserError('the run never completed a workflow task: replay it without --reset');
  const failed = events[events.length - 1]?.workflowExecutionFailedEventAttributes;
  if (!failed) return completed[completed.length - 1];
  const failingTask = num(failed.workflowTaskCompletedEventId);
  const previousTask = Math.max(0, ...completed.filter((id) => id < failingTask));
  const delivered = events.filter((e) => num(e.eventId) > previousTask && num(e.eventId) < failingTask).reverse();
  for (const e of delivered) {
    const scheduledId =
      e.activityTaskFailedEventAttributes?.scheduledEventId ??
      e.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      e.childWorkflowExecutionFailedEventAttributes?.initiatedEventId ??
      e.childWorkflowExecutionTimedOutEventAttributes?.initiatedEventId;
    if (scheduledId === undefined || scheduledId === null) continue;
    const scheduled = byId.get(num(scheduledId));
    const task =
      scheduled?.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId ??
      scheduled?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowTaskCompletedEventId;
    if (task !== undefined && task !== null) return num(task);
  }
  return failingTask;
}

export interface ReplayResult {
  workflowId: string;
  previousRunId: string;
  runId: string;
  mode: 'restarted' | 'reset';
  /** With --reset: the WorkflowTaskCompleted event the new run continues from. */
  resetEventId?: number;
}

/**
 * Starts a failed run again. Without `reset`: a new run from the original input, search attributes and memo (the
 * ID reuse policy lets only failed runs be re-run). With `reset`: the run is reset to the task before the failure,
 * and signals received after that point are re-applied.
 */
export async function replayRun(
  client: Client,
  workflowId: string,
  options: { reset?: boolean } = {},
): Promise<ReplayResult> {
  let latest;
  try {
    latest = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UserError(`no workflow ${workflowId}: see \`connector failed list\``);
    throw err;
  }
  const status = latest.status.name;
  if (status !== 'FAILED' && status !== 'TIMED_OUT') {
    throw new UserError(
      `${workflowId} is ${status.toLowerCase().replace('_', ' ')}: only failed or timed-out runs are replayed`,
    );
  }
  const previousRunId = latest.runId;
  if (options.reset) {
    const eventId = resetPoint(await fullHistory(client, workflowId, previousRunId));
    const res = await client.workflowService.resetWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId, runId: previousRunId },
      reason: `connector replay --reset by ${os.userInfo().username}`,
      workflowTaskFinishEventId: eventId as any, // protobufjs writes a plain number as int64
      requestId: crypto.randomUUID(),
      resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
    });
    return { workflowId, previousRunId, runId: res.runId ?? '', mode: 'reset', resetEventId: eventId };
  }

  const first = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId: previousRunId },
    maximumPageSize: 1,
  });
  const started = first.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started?.workflowType?.name || !started.taskQueue?.name)
    throw new Error(`${workflowId}: the history has no start event`);
  const converter = client.options.loadedDataConverter;
  // Decoded and encoded again: the new run's input is sealed with the active payload key (rotation moves forward).
  const args = await decodeArrayFromPayloads(converter, started.input?.payloads);
  const memo = await decodeMapFromPayloads(
    converter,
    started.memo?.fields as Record<string, temporal.api.common.v1.IPayload> | undefined,
  );
  try {
    const handle = await client.workflow.start(started.workflowType.name, {
      workflowId,
      taskQueue: started.taskQueue.name,
      args,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: decodeTypedSearchAttributes(started.searchAttributes?.indexedFields),
      ...(memo && Object.keys(memo).length ? { memo } : {}),
    });
    return { workflowId, previousRunId, runId: handle.firstExecutionRunId, mode: 'restarted' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new UserError(`${workflowId} is already running again (replayed meanwhile?)`);
    throw err;
  }
}
