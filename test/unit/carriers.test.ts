import { normalizeCarrier } from '../../lib/carriers';

describe('carrier names as people type them become Amazon carrier codes', () => {
  it.each([
    ['ups', 'UPS'],
    ['royal mail', 'Royal Mail'],
    ['ROYALMAIL', 'Royal Mail'],
    ['Deutsche Post', 'Deutsche Post'],
    ['dhl ecommerce', 'DHL eCommerce'],
    ['Evri', 'Hermes'],
    ['Post NL', 'PostNL'],
    ['canada-post', 'Canada Post'],
    ['fedex', 'FedEx'],
    ['La Poste', 'La Poste'],
    ['bartolini', 'BRT'],
  ])('%s → %s', (typed, code) => {
    expect(normalizeCarrier(typed)).toEqual({ carrierCode: code });
  });

  it('sends an unknown carrier as Other with the typed name', () => {
    expect(normalizeCarrier('Kurier Müller')).toEqual({ carrierCode: 'Other', carrierName: 'Kurier Müller' });
  });

  it('prefers an explicit carrier name for Other', () => {
    expect(normalizeCarrier('other', 'Local Courier Ltd')).toEqual({
      carrierCode: 'Other',
      carrierName: 'Local Courier Ltd',
    });
  });

  it('supports self delivery', () => {
    expect(normalizeCarrier('Self Delivery')).toEqual({ carrierCode: 'Other', carrierName: 'Self Delivery' });
  });
});
