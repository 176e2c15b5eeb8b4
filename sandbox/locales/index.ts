import { EU_LOCALES } from './eu';
import { NA_LOCALES } from './na';
import type { Locale } from './types';

export type { Carrier, Language, Locale, Place } from './types';

/** The nine marketplaces the generator knows (DESIGN.md §4), by marketplace id. */
export const LOCALES: ReadonlyMap<string, Locale> = new Map(
  Object.values({ ...NA_LOCALES, ...EU_LOCALES }).map((l) => [l.marketplaceId, l as Locale]),
);

export const GENERATED_MARKETPLACES = [...LOCALES.keys()];
