import { Random } from './random';

/** The demo catalog: DEMO-SKU-1..40 with titles in the marketplaces' languages; FBA from DEMO-SKU-29 on. */

export type Language = 'en' | 'de' | 'fr' | 'es' | 'it' | 'nl';

export interface CatalogItem {
  sku: string;
  asin: string;
  productType: string;
  /** US dollars, before the marketplace's factor. */
  basePrice: string;
  taxClass: 'standard' | 'reduced';
  fulfilledBy: 'MERCHANT' | 'AMAZON';
  title: Record<Language, string>;
}

type Kind = [string, string, 'standard' | 'reduced', Record<Language, string>];

const KINDS: Kind[] = [
  [
    'DRINKING_CUP',
    '12.99',
    'standard',
    {
      en: 'Ceramic Coffee Mug, 350 ml',
      de: 'Keramik-Kaffeebecher, 350 ml',
      fr: 'Mug à café en céramique, 350 ml',
      es: 'Taza de café de cerámica, 350 ml',
      it: 'Tazza da caffè in ceramica, 350 ml',
      nl: 'Keramische koffiemok, 350 ml',
    },
  ],
  [
    'ABIS_BOOK',
    '24.95',
    'reduced',
    {
      en: 'The Everyday Kitchen Cookbook (Hardcover)',
      de: 'Das Alltagsküchen-Kochbuch (Gebundene Ausgabe)',
      fr: 'Le livre de cuisine du quotidien (relié)',
      es: 'El libro de cocina de cada día (tapa dura)',
      it: 'Il ricettario di tutti i giorni (copertina rigida)',
      nl: 'Het alledaagse kookboek (gebonden)',
    },
  ],
  [
    'HANDBAG',
    '18.50',
    'standard',
    {
      en: 'Organic Cotton Tote Bag',
      de: 'Einkaufstasche aus Bio-Baumwolle',
      fr: 'Sac cabas en coton bio',
      es: 'Bolsa de tela de algodón orgánico',
      it: 'Borsa shopper in cotone biologico',
      nl: 'Draagtas van biologisch katoen',
    },
  ],
  [
    'CELLULAR_PHONE_CASE',
    '15.99',
    'standard',
    {
      en: 'Silicone Phone Case',
      de: 'Silikon-Handyhülle',
      fr: 'Coque de téléphone en silicone',
      es: 'Funda de silicona para móvil',
      it: 'Custodia in silicone per smartphone',
      nl: 'Siliconen telefoonhoesje',
    },
  ],
  [
    'CANDLE',
    '21.00',
    'standard',
    {
      en: 'Scented Soy Candle, 200 g',
      de: 'Duftkerze aus Sojawachs, 200 g',
      fr: 'Bougie parfumée à la cire de soja, 200 g',
      es: 'Vela aromática de soja, 200 g',
      it: 'Candela profumata di soia, 200 g',
      nl: 'Geurkaars van sojawas, 200 g',
    },
  ],
  [
    'HEADPHONES',
    '59.99',
    'standard',
    {
      en: 'Wireless Over-Ear Headphones',
      de: 'Kabellose Over-Ear-Kopfhörer',
      fr: 'Casque sans fil circum-auriculaire',
      es: 'Auriculares inalámbricos de diadema',
      it: 'Cuffie wireless over-ear',
      nl: 'Draadloze over-ear koptelefoon',
    },
  ],
  [
    'LAMP',
    '39.90',
    'standard',
    {
      en: 'LED Desk Lamp with Dimmer',
      de: 'LED-Schreibtischlampe mit Dimmer',
      fr: 'Lampe de bureau LED à intensité réglable',
      es: 'Lámpara de escritorio LED regulable',
      it: 'Lampada da scrivania LED dimmerabile',
      nl: 'Dimbare LED-bureaulamp',
    },
  ],
  [
    'BOTTLE',
    '16.49',
    'standard',
    {
      en: 'Insulated Steel Water Bottle, 750 ml',
      de: 'Isolierte Edelstahl-Trinkflasche, 750 ml',
      fr: 'Gourde isotherme en acier, 750 ml',
      es: 'Botella térmica de acero, 750 ml',
      it: 'Borraccia termica in acciaio, 750 ml',
      nl: 'Geïsoleerde stalen drinkfles, 750 ml',
    },
  ],
  [
    'ABIS_BOOK',
    '14.99',
    'reduced',
    {
      en: "Children's Picture Book: The Little Fox",
      de: 'Kinderbilderbuch: Der kleine Fuchs',
      fr: 'Album jeunesse : Le petit renard',
      es: 'Libro ilustrado infantil: El pequeño zorro',
      it: 'Libro illustrato per bambini: La piccola volpe',
      nl: 'Prentenboek: Het vosje',
    },
  ],
  [
    'SCARF',
    '29.00',
    'standard',
    {
      en: 'Merino Wool Scarf',
      de: 'Schal aus Merinowolle',
      fr: 'Écharpe en laine mérinos',
      es: 'Bufanda de lana merina',
      it: 'Sciarpa in lana merino',
      nl: 'Sjaal van merinowol',
    },
  ],
];

const VARIANTS: Record<Language, string[]> = {
  en: ['Black', 'White', 'Forest Green', 'Sky Blue'],
  de: ['Schwarz', 'Weiß', 'Waldgrün', 'Himmelblau'],
  fr: ['Noir', 'Blanc', 'Vert forêt', 'Bleu ciel'],
  es: ['Negro', 'Blanco', 'Verde bosque', 'Azul cielo'],
  it: ['Nero', 'Bianco', 'Verde bosco', 'Azzurro'],
  nl: ['Zwart', 'Wit', 'Bosgroen', 'Hemelsblauw'],
};

/** DEMO-SKU-29 .. DEMO-SKU-40 are FBA offers; the rest are seller-fulfilled. */
export const FIRST_FBA_SKU = 29;

/** The demo catalog: 40 SKUs, the same for every seed so stock sync can match listings across runs. */
export const CATALOG: readonly CatalogItem[] = (() => {
  const r = new Random(4040);
  const items: CatalogItem[] = [];
  KINDS.forEach(([productType, basePrice, taxClass, titles], k) => {
    for (let v = 0; v < 4; v++) {
      const n = k * 4 + v + 1;
      const book = productType === 'ABIS_BOOK';
      const title = Object.fromEntries(
        (Object.keys(titles) as Language[]).map((lang) => [
          lang,
          `${titles[lang]} – ${book ? `Vol. ${v + 1}` : VARIANTS[lang][v]}`,
        ]),
      ) as Record<Language, string>;
      items.push({
        sku: `DEMO-SKU-${n}`,
        asin: `B0${r.chars(8, 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789')}`,
        productType,
        basePrice,
        taxClass,
        fulfilledBy: n >= FIRST_FBA_SKU ? 'AMAZON' : 'MERCHANT',
        title,
      });
    }
  });
  return items;
})();
