import { HttpError } from '../../servers/app';
import { html } from '../../servers/console/html';
import { localPath } from '../../servers/console/session';
import { shipmentOfForm } from '../../servers/console/to-ship';

/** The console's pure parts: escaping, the ship form read as a shipment, where a login may send the browser. */
const lines = [
  { sku: 'MUG-CER-12OZ-BLU', quantity: 3 },
  { sku: 'COASTER-SLATE-4PK', quantity: 1 },
];

describe('html', () => {
  // Called through another name: prettier would format templates tagged `html` as HTML, changing what is tested.
  const page = html;
  it('escapes every interpolated value, keeps nested templates, drops null, undefined and false', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(page`<td>${name}</td>`.text).toBe(
      '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</td>',
    );
    expect(page`<a href="${'" onmouseover="x'}">`.text).toBe('<a href="&quot; onmouseover=&quot;x">');
    expect(page`<ul>${['a<', 'b'].map((x) => page`<li>${x}</li>`)}</ul>`.text).toBe(
      '<ul><li>a&lt;</li><li>b</li></ul>',
    );
    expect(page`${null}${undefined}${false}${0}`.text).toBe('0');
  });
});

describe('the ship form as a shipment', () => {
  it('every line at its full quantity ships the rest: no items', () => {
    expect(shipmentOfForm({ carrier: 'UPS', trackingNumber: '1Z', qty_0: '3', qty_1: '1' }, lines)).toEqual({
      carrier: 'UPS',
      trackingNumber: '1Z',
    });
  });

  it('fewer make a partial package of the lines above 0', () => {
    expect(shipmentOfForm({ carrier: 'DHL', trackingNumber: 'JD1', qty_0: '2', qty_1: '0' }, lines)).toEqual({
      carrier: 'DHL',
      trackingNumber: 'JD1',
      items: [{ sku: 'MUG-CER-12OZ-BLU', quantity: 2 }],
    });
  });

  it('Other goes with its name, and without one is refused naming the field', () => {
    expect(
      shipmentOfForm({ carrier: 'Other', carrierName: ' Bike Couriers ', trackingNumber: 'B1' }, lines),
    ).toMatchObject({ carrier: 'Other', carrierName: 'Bike Couriers' });
    expect(() => shipmentOfForm({ carrier: 'Other', trackingNumber: 'B1' }, lines)).toThrow(/Carrier name/);
  });

  it('a quantity that is not a whole number of 0 or more is refused with 422', () => {
    for (const bad of ['-1', '1.5', 'two']) {
      let thrown: unknown;
      try {
        shipmentOfForm({ carrier: 'UPS', trackingNumber: '1Z', qty_0: bad }, lines);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(HttpError);
      expect((thrown as HttpError).status).toBe(422);
    }
  });
});

describe('where a login may go next', () => {
  it.each([
    ['/stock?sku=A', '/stock?sku=A'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    [undefined, '/'],
  ])('%s → %s', (next, expected) => expect(localPath(next)).toBe(expected));
});
