import type { Language } from '../catalog';
import { Random } from '../random';

/** What the order generator knows of a marketplace: places, names, taxes, carriers. */

export type { Language } from '../catalog';

export interface Place {
  city: string;
  stateOrRegion: string;
  postalCode: string;
  /** Combined sales tax rate where tax is added on top (US, CA). */
  taxRate?: string;
}

export interface Carrier {
  code: string;
  service: string;
  tracking(r: Random): string;
}

export interface Locale {
  marketplaceId: string;
  countryCode: string;
  currency: string;
  language: Language;
  /** exclusive: sales tax on top of prices (US, CA); inclusive: prices contain VAT/IVA (EU, UK, MX). */
  taxMode: 'exclusive' | 'inclusive';
  vat?: { standard: string; reduced: string };
  /** US and Canada: Amazon collects and remits the tax as marketplace facilitator. */
  taxCollection?: { model: string; responsibleParty: string };
  priceFactor: number;
  shippingCharge: string;
  giftWrapCharge: string;
  emailDomain: string;
  orderIdPrefixes: string[];
  vatPrefix?: string;
  places: Place[];
  firstNames: string[];
  lastNames: string[];
  streets: string[];
  addressLine2: string[];
  companies: string[];
  giftMessages: string[];
  carriers: Carrier[];
  phone(r: Random): string;
}

/** Carriers used in several countries, and the UPU format of postal tracking numbers (RR123456789GB). */
export const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
export const ups: Carrier = { code: 'UPS', service: 'UPS Ground', tracking: (r) => `1Z${r.chars(16, upper)}` };
export const fedex: Carrier = { code: 'FedEx', service: 'FedEx Home Delivery', tracking: (r) => r.digits(12) };
export const dhl: Carrier = { code: 'DHL', service: 'DHL Paket', tracking: (r) => `00340434${r.digits(12)}` };
export const dpd: Carrier = { code: 'DPD', service: 'DPD Classic', tracking: (r) => `0${r.digits(13)}` };
export const gls: Carrier = { code: 'GLS', service: 'GLS BusinessParcel', tracking: (r) => r.digits(11) };
export const upu = (code: string, service: string, country: string): Carrier => ({
  code,
  service,
  tracking: (r) => `${r.chars(2, 'ABCDEFGHJKLMNPRSTUVWXYZ')}${r.digits(9)}${country}`,
});

/** Gift messages per language, with the accents, apostrophes and emoji buyers type. */
export const GIFT_MESSAGES = {
  de: [
    'Alles Gute zum Geburtstag, liebe Jördis! 🎉',
    'Frohe Weihnachten und schöne Grüße aus Köln',
    'Für dich – weil du großartig bist.',
  ],
  fr: [
    'Joyeux anniversaire, Hélène ! Bisous de toute la famille',
    'Félicitations pour ton diplôme, Loïc !',
    'Un petit cadeau pour te dire merci ❤️',
  ],
  es: [
    '¡Feliz cumpleaños, Begoña! Un abrazo enorme',
    '¡Enhorabuena por el nuevo trabajo, Íñigo!',
    'Con todo mi cariño, para ti 🎁',
  ],
  it: [
    'Buon compleanno, Niccolò! Con affetto',
    'Tanti auguri di buon Natale da tutti noi',
    'Un pensiero per te: grazie di tutto ❤️',
  ],
  nl: [
    'Gefeliciteerd met je verjaardag, Sjoerd! 🎈',
    'Prettige feestdagen en een gelukkig nieuwjaar',
    'Een klein cadeautje, gewoon omdat het kan',
  ],
  en: [
    'Happy birthday, Zoë! Love from all of us 🎉',
    'Congratulations on the new home!',
    'Merry Christmas – see you soon',
  ],
};
