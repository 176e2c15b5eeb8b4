import type { z } from 'zod';

/** The first problem of an input, as one sentence naming its field: `items[0].quantity must be a whole number above 0`. */
export function describeIssue(issue: z.core.$ZodIssue): { field?: string; message: string } {
  const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${String(p)}` : String(p))).join('');
  if (!field) return { message: issue.message };
  // Our messages start lower-case and follow their field; zod's own ("Invalid input: ...") get a colon.
  return { field, message: /^[a-z]/.test(issue.message) ? `${field} ${issue.message}` : `${field}: ${issue.message}` };
}
