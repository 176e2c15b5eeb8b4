import type { Knex } from 'knex';
import { z } from 'zod';
import { InvalidInput } from '../lib/errors';
import { describeIssue } from '../lib/validation';

/**
 * A named operation of the book: a zod schema for what it takes and one for what it returns. The input is parsed on
 * every call, so validation lives here once, whoever calls (an activity, the CLI, the API); a failure is an
 * InvalidInput naming the field. The output is checked against its schema under test (NODE_ENV=test), so the schemas
 * the API documents stay true, without the cost in production.
 */
export interface Operation<I extends z.ZodType, O extends z.ZodType> {
  (db: Knex, input: z.input<I>): Promise<z.output<O>>;
  readonly operationName: string;
  readonly input: I;
  readonly output: O;
}

const checkOutputs = process.env.NODE_ENV === 'test';

export function operation<I extends z.ZodType, O extends z.ZodType>(
  spec: { name: string; input: I; output: O },
  run: (db: Knex, input: z.output<I>) => Promise<z.input<O>>,
): Operation<I, O> {
  const op = async (db: Knex, raw: z.input<I>): Promise<z.output<O>> => {
    const result = await run(db, parseInput(spec.input, raw));
    if (!checkOutputs) return result as z.output<O>;
    const checked = spec.output.safeParse(result);
    if (!checked.success)
      throw new Error(`book.${spec.name} returned what its output schema refuses: ${z.prettifyError(checked.error)}`);
    return checked.data;
  };
  return Object.assign(op, { operationName: spec.name, input: spec.input, output: spec.output });
}

/** Parses `raw` with `schema`; the first issue becomes an InvalidInput naming its field (a path like items[0].sku). */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { field, message } = describeIssue(parsed.error.issues[0]);
  throw new InvalidInput(message, field, parsed.error.issues);
}
