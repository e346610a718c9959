import { AppError } from '../errors';
import type { DocumentKind, DocumentRecord, DocumentSealState, StoredEvent, Store } from '../storage/store';

/** One stored document as the organisation sees it in the list, without its content. */
export interface ConsentDocument {
  id: string;
  kind: DocumentKind;
  /** 1, 2, … per kind, in the order the documents were made. */
  version: number;
  /** The document this one replaces as the current one: the same record sealed again with a time-stamp. */
  supersedes: string | null;
  /** Whether its seal carries an RFC 3161 time-stamp, as the event that stored it recorded. */
  timestamped: boolean;
  contentType: string;
  sha256: string;
  createdAt: Date;
  /** The time-stamp state the store keeps for this version (see evidence/sealer.ts). */
  sealState: DocumentSealState | null;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/**
 * What the events say about each document, by its SHA-256: a signed, declined or withdrawn event
 * names the document it stored and whether it was time-stamped; a `timestamp_added` event names
 * the re-sealed document and the one it replaces.
 */
function factsFromEvents(events: StoredEvent[]): Map<string, { timestamped: boolean; previousSha256: string | null }> {
  const facts = new Map<string, { timestamped: boolean; previousSha256: string | null }>();
  for (const e of events) {
    const d = e.detail;
    if (e.type === 'timestamp_added') {
      const sha = str(d.documentSha256);
      if (sha) facts.set(sha, { timestamped: true, previousSha256: str(d.previousDocumentSha256) });
      continue;
    }
    const sha = str(e.type === 'withdrawn' ? d.receiptSha256 : d.documentSha256);
    if (sha) facts.set(sha, { timestamped: d.timestamped === true, previousSha256: null });
  }
  return facts;
}

/** Every document of a request, oldest first, each with its version per kind; 404 for another organisation's request. */
export async function listConsentDocuments(deps: { store: Store }, organisationId: string, requestId: string): Promise<ConsentDocument[]> {
  const request = await deps.store.getConsentRequest(organisationId, requestId);
  if (!request) throw new AppError('not_found', 'There is no consent request with this id.');
  const [documents, events] = await Promise.all([deps.store.listDocuments(organisationId, request.id), deps.store.listEvents(organisationId, request.id)]);
  const facts = factsFromEvents(events);
  const versions = new Map<DocumentKind, number>();
  const idBySha = new Map<string, string>();
  return documents.map((d) => {
    const version = (versions.get(d.kind) ?? 0) + 1;
    versions.set(d.kind, version);
    const fact = facts.get(d.sha256);
    const previous = fact?.previousSha256 ? (idBySha.get(fact.previousSha256) ?? null) : null;
    idBySha.set(d.sha256, d.id);
    return { id: d.id, kind: d.kind, version, supersedes: previous, timestamped: fact?.timestamped ?? false, contentType: d.contentType, sha256: d.sha256, createdAt: d.createdAt, sealState: d.sealState ?? null };
  });
}

/**
 * One document of a request with its bytes. A document of another request, of another
 * organisation or an unknown id all answer the same 404.
 */
export async function getConsentDocument(deps: { store: Store }, organisationId: string, requestId: string, documentId: string): Promise<{ document: DocumentRecord; listed: ConsentDocument }> {
  const listed = (await listConsentDocuments(deps, organisationId, requestId)).find((d) => d.id === documentId);
  const document = listed ? await deps.store.getDocumentById(organisationId, requestId, documentId) : null;
  if (!listed || !document) throw new AppError('not_found', 'There is no document with this id for this consent request.');
  return { document, listed };
}
