import type { ConsentForm } from '../../src/consent/form-types';

/** A short synthetic form for the receipt and paper-cover documents: Dutch diacritics included. */
export const SUMMER_CAMP_PURPOSES = [
  { id: 'registratie', nl: 'Inschrijving voor het zomerkamp', en: 'Registration for the summer camp' },
  { id: 'foto-website', nl: "Foto's op onze website", en: 'Photos on our website' },
  { id: 'medische-gegevens', nl: 'Medische informatie voor het café-team', en: 'Medical information for the café team' },
  { id: 'nieuwsbrief', nl: 'De nieuwsbrief van het café', en: 'The café newsletter' },
] as const;

/** The form with the first `count` purposes; the first is the required one. */
export function summerCampForm(count: number): ConsentForm {
  return {
    id: 'zomerkamp-onder-16',
    version: '3f9a1c07be52d864',
    audience: 'under16',
    languages: ['nl', 'en'],
    title: { nl: 'Toestemming voor het zomerkamp en de café-avond', en: 'Consent for the summer camp and the café evening' },
    intro: { nl: 'Uw kind gaat mee op zomerkamp.', en: 'Your child is coming to summer camp.' },
    sections: [{ heading: { nl: 'Wat wij vastleggen', en: 'What we record' }, body: { nl: 'De voornaam.', en: 'The first name.' } }],
    purposes: SUMMER_CAMP_PURPOSES.slice(0, count).map((p, i) => ({ id: p.id, required: i === 0, specialCategory: p.id === 'medische-gegevens', label: { nl: p.nl, en: p.en }, description: { nl: '…', en: '…' } })),
    declarations: { guardian: { nl: 'Ik heb het ouderlijk gezag over {childFirstName}.', en: 'I have parental authority over {childFirstName}.' }, participant: { nl: 'Gelezen.', en: 'Read.' } },
    validForMonths: 12,
    sourceFile: 'zomerkamp-onder-16.yaml',
  };
}
