/**
 * Carrier names as people type them → Amazon's carrier codes (confirmShipment `carrierCode`). Matching ignores case,
 * spaces and punctuation. Anything unknown goes as `Other` with the typed name as `carrierName`, as Amazon requires.
 */
const CARRIERS: Array<{ code: string; aliases: string[] }> = [
  { code: 'UPS', aliases: ['ups', 'united parcel service', 'ups mail innovations'] },
  { code: 'USPS', aliases: ['usps', 'us postal service', 'united states postal service'] },
  { code: 'FedEx', aliases: ['fedex', 'federal express', 'fedex ground'] },
  { code: 'DHL', aliases: ['dhl', 'dhl express', 'dhl paket'] },
  { code: 'DHL eCommerce', aliases: ['dhl ecommerce', 'dhl global mail'] },
  { code: 'Amazon Shipping', aliases: ['amazon shipping', 'amazon', 'amzl'] },
  { code: 'Canada Post', aliases: ['canada post', 'postes canada'] },
  { code: 'Purolator', aliases: ['purolator'] },
  { code: 'Estafeta', aliases: ['estafeta'] },
  { code: 'Deutsche Post', aliases: ['deutsche post'] },
  { code: 'DPD', aliases: ['dpd'] },
  { code: 'Hermes', aliases: ['hermes', 'hermes logistik', 'evri', 'myhermes'] },
  { code: 'GLS', aliases: ['gls'] },
  { code: 'Royal Mail', aliases: ['royal mail', 'royalmail'] },
  { code: 'Parcelforce', aliases: ['parcelforce', 'parcel force'] },
  { code: 'Colissimo', aliases: ['colissimo'] },
  { code: 'Chronopost', aliases: ['chronopost'] },
  { code: 'La Poste', aliases: ['la poste', 'laposte'] },
  { code: 'SEUR', aliases: ['seur'] },
  { code: 'Correos', aliases: ['correos', 'correos express'] },
  { code: 'MRW', aliases: ['mrw'] },
  { code: 'Poste Italiane', aliases: ['poste italiane'] },
  { code: 'BRT', aliases: ['brt', 'bartolini'] },
  { code: 'SDA', aliases: ['sda'] },
  { code: 'PostNL', aliases: ['postnl', 'post nl'] },
];

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
const INDEX = new Map(CARRIERS.flatMap((c) => [c.code, ...c.aliases].map((alias) => [squash(alias), c.code] as const)));

export function normalizeCarrier(typed: string, carrierName?: string): { carrierCode: string; carrierName?: string } {
  const key = squash(typed);
  if (key === 'selfdelivery' || key === 'self') return { carrierCode: 'Other', carrierName: 'Self Delivery' };
  const code = INDEX.get(key);
  if (code) return { carrierCode: code };
  if (key === 'other') return { carrierCode: 'Other', carrierName: carrierName?.trim() || 'Other' };
  return { carrierCode: 'Other', carrierName: carrierName?.trim() || typed.trim() };
}
