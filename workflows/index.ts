// Every workflow type the worker runs. Workflows import only types from activities/.
export { order } from './order';
export { orderSync } from './order-sync';
export { stockSync } from './stock-sync';
export { fbaStockSync } from './fba-stock-sync';
export { backfill } from './backfill';
export { financeSync } from './finance-sync';
export { webhookDelivery } from './webhook-delivery';
