import type { Transaction } from './transactions';

/**
 * The TRANSACTION_UPDATE notification of a transaction (schema: lib/sp-api-models/TransactionUpdateNotification.json),
 * as pure functions: service.ts publishes the payload to subscribed SQS queues. Related identifier names are written
 * as in the schema's example ("OrderId" for listTransactions' ORDER_ID).
 */

export interface NotificationMetadata {
  applicationId: string;
  subscriptionId: string;
  notificationId: string;
  /** ISO 8601; also the EventTime unless `eventTime` is given. */
  publishTime: string;
  eventTime?: string;
}

/** ORDER_ID → OrderId, FINANCIAL_EVENT_GROUP_ID → FinancialEventGroupId. */
export function notificationIdentifierName(name: string): string {
  return name
    .toLowerCase()
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The notification's Payload (the publisher wraps it in the envelope). */
export function transactionUpdatePayload(tx: Transaction) {
  return {
    TransactionUpdateNotification: {
      SellingPartnerMetadata: {
        SellingPartnerId: tx.sellingPartnerMetadata.sellingPartnerId,
        MarketplaceId: tx.sellingPartnerMetadata.marketplaceId,
        AccountType: tx.sellingPartnerMetadata.accountType,
      },
      RelatedIdentifiers: tx.relatedIdentifiers.map((r) => ({
        RelatedIdentifierName: notificationIdentifierName(r.relatedIdentifierName),
        RelatedIdentifierValue: r.relatedIdentifierValue,
      })),
      TransactionType: tx.transactionType,
      PostedDate: tx.postedDate,
      TotalAmount: { CurrencyAmount: tx.totalAmount.currencyAmount, CurrencyCode: tx.totalAmount.currencyCode },
    },
  };
}

/** The whole notification, envelope included. */
export function transactionUpdateNotification(tx: Transaction, meta: NotificationMetadata) {
  return {
    NotificationVersion: '1.0',
    NotificationType: 'TRANSACTION_UPDATE',
    PayloadVersion: '1.0',
    EventTime: meta.eventTime ?? meta.publishTime,
    NotificationMetadata: {
      ApplicationId: meta.applicationId,
      SubscriptionId: meta.subscriptionId,
      PublishTime: meta.publishTime,
      NotificationId: meta.notificationId,
    },
    Payload: transactionUpdatePayload(tx),
  };
}
