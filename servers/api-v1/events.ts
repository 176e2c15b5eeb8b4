import { z } from 'zod';
import { Event, EVENT_TYPES, readEvents } from '../../book/events';
import type { Db } from '../../db';
import { App, errorBody } from '../app';
import { requireScope } from './auth';

/** GET /v1/events: the event feed (docs/events.md). */
export function registerEventRoutes(app: App, options: { db: Db }): void {
  app.get(
    '/events',
    {
      schema: {
        summary: 'The event feed: every change a downstream system cares about, in commit order, gap-free',
        description:
          'Pass the `nextCursor` of the previous answer as `after` (none: from the first event kept). Events come in commit order: a consumer that keeps its cursor never misses an event and never sees one twice. `nextCursor` is given also when no event is new. Events carry no personal data; `data.link` is the record in this API.',
        tags: ['events'],
        querystring: z.strictObject({
          after: z.string().optional(),
          types: z
            .string()
            .optional()
            .describe(`comma-separated, among ${EVENT_TYPES.join(', ')}`)
            .transform((t, ctx) => {
              if (t === undefined) return undefined;
              const list = t
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean);
              const unknown = list.filter((x) => !(EVENT_TYPES as string[]).includes(x));
              if (unknown.length) {
                ctx.addIssue({ code: 'custom', message: `unknown event types ${unknown.join(', ')}` });
                return z.NEVER;
              }
              return list as typeof EVENT_TYPES;
            }),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({ items: z.array(Event), nextCursor: z.string() }),
          400: errorBody,
          401: errorBody,
          403: errorBody,
          422: errorBody,
        },
      },
      onRequest: requireScope('read'),
    },
    async (request) => readEvents(options.db, request.query),
  );
}
