/** Reference data every installation starts with. More marketplaces are added with `connector marketplaces add`. */
export const SEEDED_MARKETPLACES = [
  {
    id: 'ATVPDKIKX0DER',
    code: 'US',
    name: 'Amazon.com',
    country_code: 'US',
    domain: 'amazon.com',
    region: 'na',
    currency: 'USD',
  },
  {
    id: 'A2EUQ1WTGCTBG2',
    code: 'CA',
    name: 'Amazon.ca',
    country_code: 'CA',
    domain: 'amazon.ca',
    region: 'na',
    currency: 'CAD',
  },
  {
    id: 'A1AM78C64UM0Y8',
    code: 'MX',
    name: 'Amazon.com.mx',
    country_code: 'MX',
    domain: 'amazon.com.mx',
    region: 'na',
    currency: 'MXN',
  },
  {
    id: 'A1PA6795UKMFR9',
    code: 'DE',
    name: 'Amazon.de',
    country_code: 'DE',
    domain: 'amazon.de',
    region: 'eu',
    currency: 'EUR',
  },
  {
    id: 'A1RKKUPIHCS9HS',
    code: 'ES',
    name: 'Amazon.es',
    country_code: 'ES',
    domain: 'amazon.es',
    region: 'eu',
    currency: 'EUR',
  },
  {
    id: 'A13V1IB3VIYZZH',
    code: 'FR',
    name: 'Amazon.fr',
    country_code: 'FR',
    domain: 'amazon.fr',
    region: 'eu',
    currency: 'EUR',
  },
  {
    id: 'A1F83G8C2ARO7P',
    code: 'UK',
    name: 'Amazon.co.uk',
    country_code: 'GB',
    domain: 'amazon.co.uk',
    region: 'eu',
    currency: 'GBP',
  },
  {
    id: 'APJ6JRA9NG5V4',
    code: 'IT',
    name: 'Amazon.it',
    country_code: 'IT',
    domain: 'amazon.it',
    region: 'eu',
    currency: 'EUR',
  },
  {
    id: 'A1805IZSGTT6HS',
    code: 'NL',
    name: 'Amazon.nl',
    country_code: 'NL',
    domain: 'amazon.nl',
    region: 'eu',
    currency: 'EUR',
  },
] as const;

export const SYSTEM_PRODUCTS = [
  { system_key: 'amazon_sale', name: 'Amazon Sale' },
  { system_key: 'amazon_shipping', name: 'Amazon Shipping' },
] as const;

/** The warehouse FBM orders ship from, and where customers' goods go. FBA locations are per account. */
export const SYSTEM_LOCATIONS = [
  { code: 'WH', name: 'Warehouse', kind: 'internal' },
  { code: 'CUSTOMERS', name: 'Customers', kind: 'customer' },
  { code: 'INVENTORY-ADJUSTMENT', name: 'Inventory adjustment', kind: 'inventory' },
] as const;
