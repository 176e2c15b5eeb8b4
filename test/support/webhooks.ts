import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { emit, type NewEvent } from '../../book/events';

/** A webhook receiver on this machine: answers what `state.answer` says (after `delayMs`), records every delivery. */
export async function webhookReceiver() {
  const deliveries: Array<{ headers: http.IncomingHttpHeaders; body: string; status: number }> = [];
  const state = { answer: 200, delayMs: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      setTimeout(() => {
        deliveries.push({ headers: req.headers, body, status: state.answer });
        res.writeHead(state.answer).end();
      }, state.delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    state,
    deliveries,
    delivered: () => deliveries.filter((d) => d.status >= 200 && d.status < 300).map((d) => JSON.parse(d.body)),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The order.imported event of a new FBM order, as the import writes it. */
export const importedEvent = (account: string, amazonOrderId: string): NewEvent => ({
  type: 'order.imported',
  account,
  amazonOrderId,
  data: { state: 'confirmed', channel: 'FBM', amazonStatus: 'UNSHIPPED', total: '1.00', currency: 'USD', link: '/x' },
});

/** Writes events in their own transaction, as a change of the book does. */
export const emitEvents = (db: Knex, events: NewEvent[]) => db.transaction((trx) => emit(trx, events));
