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

/** Amazon's carrier codes the connector knows (confirmShipment `carrierCode`), for lists and forms. */
export const CARRIER_CODES: readonly string[] = CARRIERS.map((c) => c.code);

/** Edit distance between two short strings (carrier names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** The known carrier code nearest to what was typed, if one is near enough to be a likely typo. */
export function closestCarrier(typed: string): string | undefined {
  const key = squash(typed);
  let best: { code: string; d: number } | undefined;
  for (const [alias, code] of INDEX) {
    const d = distance(key, alias);
    if (!best || d < best.d) best = { code, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.code : undefined;
}

/**
 * normalizeCarrier, with a warning when the typed carrier is not one of Amazon's codes: Amazon gets it as `Other` with
 * the typed name, which it accepts, but a typo ("UPSS") loses the carrier's tracking link on the buyer's page.
 */
export function describeCarrier(
  typed: string,
  carrierName?: string,
): { carrierCode: string; carrierName?: string; warning?: string } {
  const carrier = normalizeCarrier(typed, carrierName);
  const key = squash(typed);
  if (carrier.carrierCode !== 'Other' || key === 'other' || key === 'self' || key === 'selfdelivery') return carrier;
  const closest = closestCarrier(typed);
  return {
    ...carrier,
    warning: `carrier "${typed.trim()}" is not one of Amazon's carrier codes: it goes to Amazon as Other ("${carrier.carrierName}")${
      closest ? `; did you mean ${closest}?` : ''
    }`,
  };
}
