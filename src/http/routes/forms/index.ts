import { Router } from 'express';

import type { ConsentForm } from '../../../consent/form-types';
import { organisationFormCatalog, type OrganisationFormsDeps } from '../../../consent/organisation-forms';
import { AppError } from '../../../errors';
import { authOf } from '../../middleware/auth';

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

export type FormView = ReturnType<typeof presentForm>;

/** The forms of the key's organisation only: shared ones it uses and its own copies. */
export function formsRouter(deps: OrganisationFormsDeps): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const forms = await organisationFormCatalog(deps, authOf(res.locals).organisationId);
    res.json({ data: forms.list().map(presentForm) });
  });
  router.get('/:formId', async (req, res) => {
    const forms = await organisationFormCatalog(deps, authOf(res.locals).organisationId);
    const form = forms.get(req.params.formId);
    if (!form) throw new AppError('not_found', `There is no form "${req.params.formId}".`);
    res.json(presentForm(form));
  });
  return router;
}
