import type { Command } from 'commander';

/** True when the user asked for machine-readable output (global --json). */
export function wantsJson(cmd: Command): boolean {
  return Boolean(cmd.optsWithGlobals().json);
}

/** Prints data as JSON with --json, else as the given human text (or a table for arrays of flat objects). */
export function print(cmd: Command, data: unknown, human?: string | (() => string)): void {
  if (wantsJson(cmd)) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const text = typeof human === 'function' ? human() : human;
  if (text !== undefined) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  else if (Array.isArray(data)) process.stdout.write(`${table(data as Record<string, unknown>[])}\n`);
  else process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]);
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}
