import crypto from 'node:crypto';
import type { Ctx, Route, Sandbox } from '../context';
import type { Reply } from '../http';
import type { FeedDocument } from '../state';

/**
 * The document store behind feed documents: presigned S3-style URLs on Amazon's document hosts, served by the sandbox
 * itself (the client's agent sends every host here). URLs expire after 5 minutes; an upload must use the content type
 * given to createFeedDocument; errors are S3's XML.
 */

const HOSTS: Record<string, string> = {
  na: 'https://tortuga-prod-na.s3-external-1.amazonaws.com',
  eu: 'https://tortuga-prod-eu.s3-eu-west-1.amazonaws.com',
  fe: 'https://tortuga-prod-fe.s3-us-west-2.amazonaws.com',
};
const EXPIRES_SECONDS = 300;
const KEY = 'amazon-connector-sandbox-documents';

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
const fromAmzDate = (s: string) =>
  Date.parse(s.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

function signature(method: string, id: string, date: string, encoding: string): string {
  return crypto.createHmac('sha256', KEY).update(`${method}\n${id}\n${date}\n${encoding}`).digest('hex');
}

/** A presigned URL to PUT (upload) or GET (download) a document; `gzipEncoding` asks S3 for Content-Encoding: gzip. */
export function presignedUrl(sb: Sandbox, doc: FeedDocument, method: 'PUT' | 'GET', gzipEncoding = false): string {
  const date = amzDate(sb.now());
  const url = new URL(`/sandbox-docs/${encodeURIComponent(doc.feedDocumentId)}`, HOSTS[doc.region] ?? HOSTS.na);
  const encoding = gzipEncoding ? 'gzip' : '';
  url.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
  url.searchParams.set('X-Amz-Credential', `AKIASANDBOX000000000/${date.slice(0, 8)}/us-east-1/s3/aws4_request`);
  url.searchParams.set('X-Amz-Date', date);
  url.searchParams.set('X-Amz-Expires', String(EXPIRES_SECONDS));
  url.searchParams.set('X-Amz-SignedHeaders', method === 'PUT' ? 'content-type;host' : 'host');
  if (encoding) url.searchParams.set('response-content-encoding', encoding);
  url.searchParams.set('X-Amz-Signature', signature(method, doc.feedDocumentId, date, encoding));
  return url.toString();
}

function s3Error(status: number, code: string, message: string): Reply {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${crypto.randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
  return { status, raw: Buffer.from(xml), headers: { 'content-type': 'application/xml' } };
}

/** The document a request may touch, or S3's refusal. */
function authorize(ctx: Ctx, method: 'PUT' | 'GET'): FeedDocument | Reply {
  const doc = ctx.sb.state.documents.get(ctx.params.documentId);
  if (!doc) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const q = ctx.query;
  const date = q.get('X-Amz-Date') ?? '';
  const encoding = q.get('response-content-encoding') ?? '';
  if (q.get('X-Amz-Signature') !== signature(method, doc.feedDocumentId, date, encoding)) {
    return s3Error(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  const issued = fromAmzDate(date);
  if (Number.isNaN(issued) || ctx.sb.now() > issued + Number(q.get('X-Amz-Expires') ?? 0) * 1000) {
    return s3Error(403, 'AccessDenied', 'Request has expired');
  }
  return doc;
}

const sameContentType = (a: string, b: string) =>
  a.replace(/\s*;\s*/g, ';').toLowerCase() === b.replace(/\s*;\s*/g, ';').toLowerCase();

async function upload(ctx: Ctx): Promise<Reply> {
  const doc = authorize(ctx, 'PUT');
  if ('status' in doc) return doc;
  const contentType = String(ctx.req.headers['content-type'] ?? '');
  if (!sameContentType(contentType, doc.contentType)) {
    return s3Error(
      403,
      'SignatureDoesNotMatch',
      `The request signature we calculated does not match the signature you provided: Content-Type must be ${doc.contentType}.`,
    );
  }
  doc.content = await ctx.rawBody();
  ctx.sb.changed();
  return {
    status: 200,
    raw: Buffer.alloc(0),
    headers: { etag: `"${crypto.createHash('md5').update(doc.content).digest('hex')}"` },
  };
}

function download(ctx: Ctx): Reply {
  const doc = authorize(ctx, 'GET');
  if ('status' in doc) return doc;
  if (!doc.content) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const encoding = ctx.query.get('response-content-encoding');
  return {
    status: 200,
    raw: doc.content,
    headers: { 'content-type': doc.contentType, ...(encoding ? { 'content-encoding': encoding } : {}) },
  };
}

export const documentRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/sandbox-docs/{documentId}',
    kind: 'document',
    operation: 'uploadFeedDocument',
    handler: upload,
  },
  {
    method: 'GET',
    path: '/sandbox-docs/{documentId}',
    kind: 'document',
    operation: 'downloadFeedDocument',
    handler: download,
  },
];
