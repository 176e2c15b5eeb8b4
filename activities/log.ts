import { Context } from '@temporalio/activity';
import type { Logger } from '../lib/logger';

/**
 * The running activity's logger: every line names the workflow it works for (from the activity's context, as most
 * inputs carry no workflow id), so a log line leads to the run in the Temporal UI.
 */
export function activityLogger(logger: Logger, fields: Record<string, unknown> = {}): Logger {
  let workflowId: string | undefined;
  try {
    workflowId = Context.current().info.workflowExecution?.workflowId;
  } catch {
    // called outside an activity (the CLI's `orders resync`, a test calling the function directly)
  }
  return logger.child({ ...fields, workflowId });
}
