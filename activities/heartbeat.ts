import { Context } from '@temporalio/activity';

/**
 * Runs `work`, heartbeating every `everyMs` once it has run that long. A short activity sends no heartbeat at all; a long
 * one (a rate-limiter wait, a slow Amazon) proves it is alive. So the order path's heartbeatTimeout can be short, and a
 * worker killed mid-activity delays its orders by seconds instead of the whole start-to-close timeout.
 */
export async function heartbeating<T>(work: () => Promise<T>, everyMs = 3000): Promise<T> {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return work(); // called outside an activity (a test calling the function directly)
  }
  // A local activity has no heartbeat: the workflow task it runs in is what times out when its worker dies.
  if (context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The activity's attempt number (1 for the first), or 1 outside an activity (a test calling the function directly). */
export function activityAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}
