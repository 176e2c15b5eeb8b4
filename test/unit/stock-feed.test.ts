import {
  fulfillmentPatch,
  buildQuantityFeed,
  listingFacts,
  readProcessingReport,
} from '../../activities/spapi/listings-feed';
import { MAX_FEED_MESSAGES } from '../../lib/amazon-facts';
import { stockChangeWorkflowId } from '../../lib/workflow-client';
import { definition, expectValid, jsonSchema, loadModel } from '../support/models';

describe('the JSON_LISTINGS_FEED we send', () => {
  const messages = [
    { messageId: 1, sku: 'MUG-001', productType: 'DRINKING_CUP', quantity: 38 },
    { messageId: 2, sku: 'TEA "Sencha" 100g', productType: 'GROCERY', quantity: 0 },
  ];

  it("matches Amazon's listings-feed-schema-v2.json, one PATCH of fulfillment_availability per SKU, channel DEFAULT", () => {
    const doc = JSON.parse(buildQuantityFeed('A2EUSELLER0002', messages));
    expectValid(jsonSchema('listings-feed-schema-v2.json'), doc, 'feed document');
    expect(doc.header).toEqual({ sellerId: 'A2EUSELLER0002', version: '2.0', issueLocale: 'en_US' });
    expect(doc.messages[1]).toEqual({
      messageId: 2,
      sku: 'TEA "Sencha" 100g',
      operationType: 'PATCH',
      productType: 'GROCERY',
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }],
        },
      ],
    });
  });

  it('is the same patch as the message schema and patchListingsItem take', () => {
    expectValid(
      jsonSchema('listings-feed-message-schema-v2.json'),
      { messageId: 1, sku: 'A', operationType: 'PATCH', productType: 'X', patches: fulfillmentPatch(4) },
      'message',
    );
    expectValid(
      definition('listingsItems_2021-08-01.json', 'ListingsItemPatchRequest'),
      { productType: 'X', patches: fulfillmentPatch(4) },
      'patch request',
    );
  });

  it('holds at most 25,000 messages and only whole quantities ≥ 0', () => {
    const many = Array.from({ length: MAX_FEED_MESSAGES + 1 }, (_, i) => ({
      messageId: i + 1,
      sku: `S${i}`,
      productType: 'X',
      quantity: 1,
    }));
    expect(() => buildQuantityFeed('S', many)).toThrow(RangeError);
    expect(() => buildQuantityFeed('S', many.slice(0, MAX_FEED_MESSAGES))).not.toThrow();
    expect(() => buildQuantityFeed('S', [])).toThrow(RangeError);
    expect(() => fulfillmentPatch(-1)).toThrow('quantity -1');
    expect(() => fulfillmentPatch(1.5)).toThrow(RangeError);
  });
});

describe("Amazon's processing report", () => {
  it("rejects exactly the messages with ERROR issues, joining their messages (Amazon's example report)", () => {
    const report = loadModel('listings-feed-processing-report-schema-v2.example.json');
    expectValid(jsonSchema('listings-feed-processing-report-schema-v2.json'), report, 'example report');
    const outcome = readProcessingReport(report);
    expect([...outcome.rejected.keys()]).toEqual([4, 5]);
    expect(outcome.rejected.get(4)).toBe(
      "'[batteries_required]' is required but not supplied. [90220]; '[supplier_declared_dg_hz_regulation]' is required but not supplied. [90220]",
    );
    expect(outcome.documentErrors).toEqual([]);
    expect(outcome.messagesAccepted).toBe(2);
  });

  it('keeps warnings from rejecting a message and reports errors without a messageId as concerning the whole document', () => {
    const outcome = readProcessingReport({
      issues: [
        { messageId: 1, severity: 'WARNING', message: 'image missing' },
        { severity: 'ERROR', code: 'INVALID_FEED_DOCUMENT', message: 'not valid JSON' },
      ],
      summary: { messagesAccepted: 0 },
    });
    expect(outcome.rejected.size).toBe(0);
    expect(outcome.documentErrors).toEqual(['not valid JSON [INVALID_FEED_DOCUMENT]']);
  });
});

describe('what a listing tells the stock sync', () => {
  const report = loadModel('listings-feed-processing-report-schema-v2.example.json');

  it('reads product type, ASIN and channel of the marketplace asked for', () => {
    expect(listingFacts(report.items[0], 'ATVPDKIKX0DER')).toEqual({
      sku: 'My-SKU-B',
      productType: 'LUGGAGE',
      asin: 'B071VG5N9D',
      channelCode: 'DEFAULT',
      quantity: 10,
    });
  });

  it('sees an offer fulfilled by Amazon, even when it also shows a DEFAULT entry', () => {
    expect(listingFacts(report.items[1], 'ATVPDKIKX0DER').channelCode).toBe('AMAZON_NA');
    const both = {
      sku: 'X',
      fulfillmentAvailability: [
        { fulfillmentChannelCode: 'DEFAULT', quantity: 3 },
        { fulfillmentChannelCode: 'AMAZON_EU' },
      ],
    };
    expect(listingFacts(both, 'A1PA6795UKMFR9')).toMatchObject({ channelCode: 'AMAZON_EU', productType: null });
  });
});

describe('debounced stock sync requests', () => {
  it('gives every change within the same minute the same workflow id, and the next minute another', () => {
    const t = Date.parse('2026-11-26T10:15:00.000Z');
    expect(stockChangeWorkflowId('demo-eu', t)).toBe(stockChangeWorkflowId('demo-eu', t + 59_999));
    expect(stockChangeWorkflowId('demo-eu', t)).not.toBe(stockChangeWorkflowId('demo-eu', t + 60_000));
    expect(stockChangeWorkflowId('demo-eu', t)).toMatch(/^stock-sync:demo-eu:changes:\d+$/);
  });
});
