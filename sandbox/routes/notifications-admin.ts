import type { Ctx, Route } from '../context';
import { HttpError, ok, Reply } from '../http';
import { NOTIFICATION_TYPES, Switches } from '../notification-publisher';

/**
 * Admin API of notifications under /_sandbox/notifications/: switches that drop, duplicate, delay and reorder the
 * messages of one notification type, and the publisher's counters.
 */

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (message: string) => new HttpError(400, [{ code: 'AdminError', message }]);

function typeOf(ctx: Ctx): string {
  const type = ctx.params.notificationType;
  if (!NOTIFICATION_TYPES[type])
    throw new HttpError(404, [
      {
        code: 'AdminError',
        message: `no notification type ${type}: the sandbox publishes ${Object.keys(NOTIFICATION_TYPES).join(', ')}`,
      },
    ]);
  return type;
}

function picker(v: unknown, name: string): { rate?: number; next?: number } | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw fail(`${name} must be {rate?: 0..1, next?: N}`);
  const { rate, next } = v;
  if (rate !== undefined && (typeof rate !== 'number' || rate < 0 || rate > 1))
    throw fail(`${name}.rate must be a number from 0 to 1`);
  if (next !== undefined && (!Number.isInteger(next) || next < 0))
    throw fail(`${name}.next must be an integer of 0 or more`);
  return { ...(rate !== undefined ? { rate } : {}), ...(next !== undefined ? { next } : {}) };
}

/** Validates a switches body: {drop?, duplicate?, delayMs?, reorder?}; unknown keys are refused. */
export function parseSwitches(body: unknown): Switches {
  if (!isObject(body)) throw fail('body must be {drop?, duplicate?, delayMs?, reorder?}');
  const unknown = Object.keys(body).filter((k) => !['drop', 'duplicate', 'delayMs', 'reorder'].includes(k));
  if (unknown.length) throw fail(`unknown switch ${unknown.join(', ')}: use drop, duplicate, delayMs, reorder`);
  const switches: Switches = {};
  const drop = picker(body.drop, 'drop');
  const duplicate = picker(body.duplicate, 'duplicate');
  if (drop) switches.drop = drop;
  if (duplicate) switches.duplicate = duplicate;
  if (body.delayMs !== undefined) {
    if (!Number.isInteger(body.delayMs) || body.delayMs < 0) throw fail('delayMs must be an integer of 0 or more');
    switches.delayMs = body.delayMs;
  }
  if (body.reorder !== undefined && body.reorder !== null) {
    const r = body.reorder;
    if (!isObject(r) || !Number.isInteger(r.next) || r.next < 1)
      throw fail('reorder must be {next: N (1 or more), order?: "reverse" | "shuffle"}');
    const order = r.order ?? 'reverse';
    if (order !== 'reverse' && order !== 'shuffle') throw fail('reorder.order must be "reverse" or "shuffle"');
    switches.reorder = { next: r.next, order };
  }
  return switches;
}

async function putSwitches(ctx: Ctx): Promise<Reply> {
  const type = typeOf(ctx);
  ctx.sb.notifications.setSwitches(type, parseSwitches(await ctx.jsonBody()));
  return ok(ctx.sb.notifications.getSwitches(type));
}

export const notificationAdminRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_sandbox/notifications/{notificationType}/switches',
    kind: 'admin',
    handler: (ctx) => ok(ctx.sb.notifications.getSwitches(typeOf(ctx))),
  },
  { method: 'PUT', path: '/_sandbox/notifications/{notificationType}/switches', kind: 'admin', handler: putSwitches },
  {
    method: 'DELETE',
    path: '/_sandbox/notifications/{notificationType}/switches',
    kind: 'admin',
    handler: (ctx) => (ctx.sb.notifications.setSwitches(typeOf(ctx), {}), { status: 204 }),
  },
  {
    method: 'POST',
    path: '/_sandbox/notifications/{notificationType}/release',
    kind: 'admin',
    handler: (ctx) => ok({ released: ctx.sb.notifications.release(typeOf(ctx)) }),
  },
  {
    method: 'GET',
    path: '/_sandbox/notifications/stats',
    kind: 'admin',
    handler: (ctx) => ok(ctx.sb.notifications.statsByType()),
  },
];
