import type { Language } from '../consent/form-types';
import { loadPdfLabels, type PdfLabels } from './pdf-layout';

export type SealReason = keyof PdfLabels['sealReasons'];

/**
 * The /Reason a seal carries, in the language of the document it seals: a reader's signature
 * panel (and `pdfsig`) shows it beside the document's own text.
 */
export function sealReason(reason: SealReason, language: Language): string {
  return loadPdfLabels(language).sealReasons[reason];
}
