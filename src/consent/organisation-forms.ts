import { basename } from 'node:path';

import { AppError } from '../errors';
import type { Clock } from '../shared/clock';
import type { OrganisationFormEntry, Store } from '../storage/store';
import { formFromSnapshot, formSnapshot } from './form-snapshot';
import type { ConsentForm } from './form-types';
import { createFormCatalog, type FormCatalog, FormValidationError, parseForm } from './forms';

/**
 * The forms an organisation uses (issue 10): shared forms from consent-forms/ by id, and its own
 * copies (YAML checked by the same rules as a shared form, with an id of its own). An organisation
 * that never chose uses every shared form, so nothing changes for one that does not care (Demo
 * included). A copy replaces the shared form it was copied from in the organisation's list.
 *
 * Requests keep the snapshot of the form version they were made with, so stopping a form or
 * replacing a copy never changes a request already made (form-snapshot.ts).
 */
export interface OrganisationFormsDeps {
  store: Store;
  /** The shared forms (FORMS_DIR). */
  forms: FormCatalog;
}

export interface UsedForm {
  formId: string;
  kind: 'shared' | 'copy';
  /** Null for a shared form whose file is no longer in consent-forms/ (it is skipped until it returns). */
  form: ConsentForm | null;
  basedOn: string | null;
}

export interface OrganisationFormsView {
  /** True while the organisation never chose: it uses every shared form. */
  usesDefault: boolean;
  forms: UsedForm[];
}

function entriesOrDefault(deps: OrganisationFormsDeps, entries: OrganisationFormEntry[] | null, now: Date): OrganisationFormEntry[] {
  return entries ?? deps.forms.list().map((form) => ({ formId: form.id, copy: null, addedAt: now }));
}

function usedForm(deps: OrganisationFormsDeps, entry: OrganisationFormEntry): UsedForm {
  if (entry.copy) return { formId: entry.formId, kind: 'copy', form: formFromSnapshot(entry.copy.snapshot), basedOn: entry.copy.basedOn };
  return { formId: entry.formId, kind: 'shared', form: deps.forms.get(entry.formId) ?? null, basedOn: null };
}

/** What an organisation uses, for listing; not_found when there is no such organisation. */
export async function organisationForms(deps: OrganisationFormsDeps, organisationId: string, now: Date): Promise<OrganisationFormsView> {
  const list = await deps.store.getOrganisationForms(organisationId);
  if (!list) throw new AppError('not_found', `There is no organisation ${organisationId}.`);
  return { usesDefault: list.entries === null, forms: entriesOrDefault(deps, list.entries, now).map((entry) => usedForm(deps, entry)) };
}

/**
 * The forms an organisation can send now: what the API lists and accepts as `formId`. Empty for
 * an organisation that does not exist (the API key names one that does).
 */
export async function organisationFormCatalog(deps: OrganisationFormsDeps, organisationId: string): Promise<FormCatalog> {
  const list = await deps.store.getOrganisationForms(organisationId);
  if (!list) return createFormCatalog([]);
  if (list.entries === null) return deps.forms;
  return createFormCatalog(list.entries.map((entry) => usedForm(deps, entry).form).filter((form): form is ConsentForm => form !== null));
}

export type FormListChange = 'added' | 'removed' | 'replaced' | 'unchanged';

/**
 * Reads the list, applies `change` and saves it only if nobody saved in between; on a race it
 * reads again and redoes the change (a few times), so two commands at once both take effect.
 */
async function changeList(
  deps: OrganisationFormsDeps & { clock: Clock },
  organisationId: string,
  change: (entries: OrganisationFormEntry[], now: Date) => { entries: OrganisationFormEntry[]; result: FormListChange },
): Promise<FormListChange> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const now = deps.clock.now();
    const list = await deps.store.getOrganisationForms(organisationId);
    if (!list) throw new AppError('not_found', `There is no organisation ${organisationId}.`);
    const { entries, result } = change(entriesOrDefault(deps, list.entries, now), now);
    // "Unchanged" on an organisation that never chose is still left as it is: it keeps the default.
    if (result === 'unchanged') return result;
    if (await deps.store.saveOrganisationForms(organisationId, entries, list.version)) return result;
  }
  throw new AppError('conflict', 'The form list of this organisation kept changing while this change was made; try again.');
}

/** Starts using a shared form. */
export async function useSharedForm(deps: OrganisationFormsDeps & { clock: Clock }, organisationId: string, formId: string): Promise<FormListChange> {
  if (!deps.forms.get(formId)) throw AppError.validation('formId', `There is no shared form "${formId}" in consent-forms/.`);
  return changeList(deps, organisationId, (entries, now) =>
    entries.some((e) => e.formId === formId) ? { entries, result: 'unchanged' } : { entries: [...entries, { formId, copy: null, addedAt: now }], result: 'added' },
  );
}

/** Stops using a form (shared or a copy); requests made with it keep their form version. */
export async function stopForm(deps: OrganisationFormsDeps & { clock: Clock }, organisationId: string, formId: string): Promise<FormListChange> {
  return changeList(deps, organisationId, (entries) => {
    if (!entries.some((e) => e.formId === formId)) throw AppError.validation('formId', `The organisation does not use a form "${formId}".`);
    return { entries: entries.filter((e) => e.formId !== formId), result: 'removed' };
  });
}

/**
 * Adds the organisation's own copy of a shared form, or replaces its earlier copy with the same
 * id. `fileName` is checked like a shared form's: the form's id must equal it without `.yaml`.
 * Problems in the YAML come back as FormValidationError, every one at once (as `forms check`).
 */
export async function copyForm(
  deps: OrganisationFormsDeps & { clock: Clock },
  organisationId: string,
  input: { basedOn: string; fileName: string; yaml: string },
): Promise<{ form: ConsentForm; result: FormListChange }> {
  if (!deps.forms.get(input.basedOn)) throw AppError.validation('formId', `There is no shared form "${input.basedOn}" in consent-forms/.`);
  if (!input.fileName.endsWith('.yaml')) throw AppError.validation('file', 'The file name must end in .yaml, like a shared form.');
  const form = parseForm(basename(input.fileName), input.yaml);
  if (deps.forms.get(form.id)) {
    throw new FormValidationError([{ file: basename(input.fileName), line: null, field: 'id', message: `"${form.id}" is the id of a shared form; a copy needs an id of its own (e.g. ${input.basedOn}-eigen)` }]);
  }
  const snapshot = formSnapshot(form);
  const result = await changeList(deps, organisationId, (entries, now) => {
    const copy = { basedOn: input.basedOn, yaml: input.yaml, snapshot };
    const existing = entries.find((e) => e.formId === form.id);
    if (existing?.copy && existing.copy.snapshot.version === snapshot.version && existing.copy.basedOn === input.basedOn) {
      return { entries, result: 'unchanged' };
    }
    const withCopy = existing
      ? entries.map((e) => (e.formId === form.id ? { ...e, copy } : e))
      : [...entries, { formId: form.id, copy, addedAt: now }];
    return { entries: withCopy.filter((e) => !(e.formId === input.basedOn && e.copy === null)), result: existing ? 'replaced' : 'added' };
  });
  return { form, result };
}
