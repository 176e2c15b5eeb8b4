/** The order generator's data in one import: the demo catalog and the per-marketplace locales. */
export { CATALOG, FIRST_FBA_SKU } from './catalog';
export type { CatalogItem, Language } from './catalog';
export { GENERATED_MARKETPLACES, LOCALES } from './locales';
export type { Carrier, Locale, Place } from './locales';
