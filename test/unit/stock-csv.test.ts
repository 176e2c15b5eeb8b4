import fs from 'fs';
import path from 'path';
import { parseCsv, readProductsCsv, validateProduct } from '../../book/products';
import { UserError } from '../../lib/errors';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/stock', name), 'utf8');

describe('products CSV', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, CRLF and a BOM, numbering rows by their first line', () => {
    const rows = parseCsv('\uFEFFsku,name\r\nA,"Mug, blue"\r\nB,"Tea ""Sencha""\nloose"\r\n\r\nC,Pot');
    expect(rows).toEqual([
      { line: 1, cells: ['sku', 'name'] },
      { line: 2, cells: ['A', 'Mug, blue'] },
      { line: 3, cells: ['B', 'Tea "Sencha"\nloose'] },
      { line: 6, cells: ['C', 'Pot'] },
    ]);
  });

  it('keeps the valid rows and reports every bad one with its line number', () => {
    const { products, errors } = readProductsCsv(fixture('products-with-errors.csv'));
    expect(products.map((p) => [p.line, p.sku, p.onHand])).toEqual([
      [2, 'MUG-001', 40],
      [9, 'SPOON-005', undefined],
      [10, 'KETTLE-006', 12],
    ]);
    expect(products[0]).toMatchObject({ name: 'Enamel mug', description: 'Blue, 350 ml', price: '12.5' });
    expect(errors).toEqual([
      { line: 3, message: 'SKU is missing' },
      { line: 4, sku: 'TEA-002', message: 'SKU TEA-002: on-hand "abc" is not a whole number' },
      { line: 6, sku: 'POT-003', message: 'SKU POT-003: on-hand -2 is negative' },
      { line: 7, sku: 'MUG-001', message: 'duplicate SKU MUG-001: already on line 2' },
      { line: 8, sku: 'CUP-004', message: 'SKU CUP-004: price "4.2.0" is not a decimal number like 19.90' },
    ]);
  });

  it('refuses a file without sku and name columns as a whole, naming what it found', () => {
    expect(() => readProductsCsv('code,title\nA,B\n')).toThrow(UserError);
    expect(() => readProductsCsv('code,title\nA,B\n')).toThrow(
      'line 1: the header must name at least the columns sku and name (found: code, title)',
    );
    expect(() => readProductsCsv('')).toThrow('the file is empty');
  });

  it('accepts the usual spellings of the on-hand column', () => {
    for (const header of ['on-hand', 'on_hand', 'On Hand', 'quantity']) {
      expect(readProductsCsv(`SKU,Name,${header}\nA-1,Mug,3\n`).products[0].onHand).toBe(3);
    }
  });

  it('validates one product as typed on the command line', () => {
    expect(validateProduct({ sku: 'HAS SPACE', name: 'x' })).toMatch(/without spaces/);
    expect(validateProduct({ sku: 'A-1' })).toBe('SKU A-1: name is missing');
    expect(validateProduct({ sku: 'A-1', name: 'Mug', price: '-1' })).toBe('SKU A-1: price "-1" is negative');
    expect(validateProduct({ sku: 'A-1', name: 'Mug', onHand: '2.5' })).toBe(
      'SKU A-1: on-hand "2.5" is not a whole number',
    );
    expect(validateProduct({ sku: 'A-1', name: 'Mug', price: '19.90', onHand: '0' })).toEqual({
      sku: 'A-1',
      name: 'Mug',
      description: null,
      price: '19.9',
      onHand: 0,
    });
  });
});
