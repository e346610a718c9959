import type { ConsentForm } from './form-types';
import type { FormSnapshot } from '../storage/store';

/**
 * Every request keeps the exact form version it was created with; the signing page and the PDF
 * render from that snapshot, so a later edit of the YAML never changes what someone signed.
 */
export function formSnapshot(form: ConsentForm): FormSnapshot {
  const { sourceFile: _sourceFile, ...content } = form;
  return { formId: form.id, version: form.version, content: JSON.stringify(content) };
}

export function formFromSnapshot(snapshot: FormSnapshot): ConsentForm {
  return { ...(JSON.parse(snapshot.content) as Omit<ConsentForm, 'sourceFile'>), sourceFile: `snapshot:${snapshot.formId}@${snapshot.version}` };
}
