import path from 'node:path';
import { ESLint } from 'eslint';

/** The layering rules of eslint.config.js refuse SQL outside book/ and db/, whether by import or by a handle. */
// The config given as an object: ESLint's own loader needs a dynamic import, which jest's VM does not allow.
const eslint = new ESLint({
  cwd: path.join(__dirname, '../..'),
  overrideConfigFile: true,
  overrideConfig: require('../../eslint.config.js'),
});
const messages = async (file: string, code: string) =>
  (await eslint.lintText(code, { filePath: path.join(__dirname, '../..', file) }))[0].messages.map((m) => m.message);

const queryByHandle = `import type { Db } from '../db';
export const names = (db: Db) => db('sale_orders').select('amazon_order_id');
export const one = (db: Db) => db.raw('select 1');
`;

it.each(['cli/x.ts', 'servers/x.ts', 'workers/x.ts', 'lib/x.ts'])(
  '%s may not query through a Db handle',
  async (file) => {
    const found = await messages(file, queryByHandle);
    expect(found.filter((m) => m.includes('SQL lives in book/'))).toHaveLength(2);
  },
);

it('activities may not import knex', async () => {
  const found = await messages('activities/x.ts', "import knex from 'knex';\nexport const k = knex;\n");
  expect(found).toContainEqual(expect.stringContaining('SQL lives in book/'));
});

it('the book may', async () => {
  expect((await messages('book/x.ts', queryByHandle)).filter((m) => m.includes('SQL'))).toEqual([]);
});
