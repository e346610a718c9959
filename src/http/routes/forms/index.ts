import { Router } from 'express';

import type { ConsentForm } from '../../../consent/form-types';
import type { FormCatalog } from '../../../consent/forms';
import { AppError } from '../../../errors';

/** Form = {id, version, title, audience, languages, purposes}; texts are {nl, en} objects. */
export function presentForm(form: ConsentForm) {
  return {
    id: form.id,
    version: form.version,
    title: form.title,
    audience: form.audience,
    languages: form.languages,
    validForMonths: form.validForMonths,
    ...(form.validUntil === undefined ? {} : { validUntil: form.validUntil }),
    purposes: form.purposes.map((p) => ({ id: p.id, label: p.label, description: p.description, required: p.required, specialCategory: p.specialCategory })),
  };
}

export function formsRouter(forms: FormCatalog): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ data: forms.list().map(presentForm) });
  });
  router.get('/:formId', (req, res) => {
    const form = forms.get(req.params.formId);
    if (!form) throw new AppError('not_found', `There is no form "${req.params.formId}".`);
    res.json(presentForm(form));
  });
  return router;
}
