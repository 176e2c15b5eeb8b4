import type { Command } from 'commander';
import * as accounts from './accounts';
import * as apps from './apps';
import * as backfill from './backfill';
import * as catalog from './catalog';
import * as deliveries from './deliveries';
import * as failed from './failed';
import * as finances from './finances';
import * as keys from './keys';
import * as marketplaces from './marketplaces';
import * as notifications from './notifications';
import * as ops from './ops';
import * as orders from './orders';
import * as pii from './pii';
import * as returns from './returns';
import * as sandbox from './sandbox';
import * as servers from './servers';
import * as start from './start';
import * as status from './status';
import * as stockSync from './stock-sync';
import * as sync from './sync';
import * as webhooks from './webhooks';

/** Each command module adds its subcommands to the program; the list is the CLI's table of contents. */
const modules: Array<{ register(program: Command): void }> = [
  start,
  status,
  ops,
  accounts,
  apps,
  marketplaces,
  keys,
  sync,
  backfill,
  orders,
  deliveries,
  sandbox,
  failed,
  pii,
  servers,
  catalog,
  stockSync,
  webhooks,
  notifications,
  finances,
  returns,
];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
