import fs from 'fs';

/** One SP-API request as the sandbox logged it at debug level: when, which operation, which regional host. */
export interface LoggedCall {
  at: number;
  operation: string;
  host: string;
}

/** The requests of `operation` logged since `since` (epoch ms), in order. */
export function loggedCalls(logFile: string, operation: string, since = 0): LoggedCall[] {
  const calls: LoggedCall[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes(`"operation":"${operation}"`)) continue;
    try {
      const entry = JSON.parse(line);
      const at = Date.parse(entry.time);
      if (entry.msg === 'sandbox request' && at >= since) calls.push({ at, operation, host: String(entry.host) });
    } catch {
      // not a log line of ours
    }
  }
  return calls.sort((a, b) => a.at - b.at);
}

/**
 * Calls per second achieved by each seller (one regional host each here): the gaps between its first and last call,
 * (calls − 1) ÷ span. Against a bucket that starts empty, the most a seller can achieve is the plan's rate.
 */
export function achievedRates(
  calls: LoggedCall[],
): Array<{ host: string; calls: number; spanMs: number; perSecond: number }> {
  const byHost = new Map<string, number[]>();
  for (const c of calls) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c.at]);
  return [...byHost].map(([host, times]) => {
    const spanMs = times[times.length - 1] - times[0];
    return { host, calls: times.length, spanMs, perSecond: spanMs > 0 ? ((times.length - 1) * 1000) / spanMs : NaN };
  });
}
