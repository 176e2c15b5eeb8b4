import { z } from 'zod';

/**
 * An ISO 8601 date-time with its offset (2026-12-01T10:00:00Z, …+02:00), given on as UTC. JSON Schema's date-time also
 * allows offsets past ±15:59 and years before 1, which PostgreSQL refuses: they are the caller's mistake, not a 5xx.
 */
export const IsoInstant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, like 2026-12-01T10:00:00Z' })
  .refine((text) => {
    const at = new Date(text);
    return !Number.isNaN(at.getTime()) && at.getUTCFullYear() >= 1 && Math.abs(offsetMinutes(text)) < 16 * 60;
  }, 'must be an ISO 8601 date-time from year 1 on, its offset within ±15:59')
  .transform((text) => new Date(text).toISOString());

function offsetMinutes(text: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(text);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The first problem of an input, as one sentence naming its field: `items[0].quantity must be a whole number above 0`. */
export function describeIssue(issue: z.core.$ZodIssue): { field?: string; message: string } {
  const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
  if (!field) return { message: issue.message };
  // Our messages start lower-case and follow their field; zod's own ("Invalid input: ...") get a colon.
  return { field, message: /^[a-z]/.test(issue.message) ? `${field} ${issue.message}` : `${field}: ${issue.message}` };
}
