import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes of order workflows. Never PII: search attributes are not encrypted. */
export const AMAZON_ORDER_ID = defineSearchAttributeKey('AmazonOrderId', SearchAttributeType.KEYWORD);
export const SELLER_ACCOUNT = defineSearchAttributeKey('SellerAccount', SearchAttributeType.KEYWORD);
export const MARKETPLACE_ID = defineSearchAttributeKey('MarketplaceId', SearchAttributeType.KEYWORD);
export const FULFILLMENT_CHANNEL = defineSearchAttributeKey('FulfillmentChannel', SearchAttributeType.KEYWORD);
export const ORDER_STATE = defineSearchAttributeKey('OrderState', SearchAttributeType.KEYWORD);
