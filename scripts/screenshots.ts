/**
 * `npm run screenshots`: every page state a parent, a participant or a PDF holder can see, in
 * Dutch (and a few in English), as full-page PNGs at 390 px wide in docs/screenshots/, named
 * <state>-<lang>-<role>.png (<state>-<lang>.png for pages without a request behind them). The app
 * runs in a temp folder with synthetic people and a fixed clock, as the browser tests do
 * (test/helpers/browser.ts), so the pictures only change when the pages do.
 */
import { updateOrganisation } from '../src/organisations/organisation-settings';
import { closePhone, FAMILY_STATES, LINK_STATES, prepareStates, ROLES, startBrowserApp, visitState, type Lang, type LinkState, type PublicState, type Role } from '../test/helpers/browser';
import { runScreenshots } from './screenshot-kit';

type Shot = [LinkState | PublicState, Role | null, Lang];
const SHOTS: Shot[] = [
  ...LINK_STATES.flatMap((state) => ROLES.map((role): Shot => [state, role, 'nl'])),
  ['role-changed', 'guardian', 'nl'],
  // Issue 12: both parents (a guardian's only) and the one-time code step.
  ...FAMILY_STATES.map((state): Shot => [state, 'guardian', 'nl']),
  ['code', 'guardian', 'nl'],
  ...(['unknown', 'verify', 'verify-result', 'rate-limited'] as const).map((state): Shot => [state, null, 'nl']),
  ...(['signing', 'errors', 'signed'] as const).flatMap((state) => ROLES.map((role): Shot => [state, role, 'en'])),
  ['verify', null, 'en'],
];

const fileName = ([state, role, lang]: Shot): string => `${state}-${lang}${role ? `-${role}` : ''}.png`;

/** A made-up logo: a rounded square with two speech bubbles and the name. */
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64">
<rect x="2" y="2" width="60" height="60" rx="14" fill="#0b6e4f"/>
<circle cx="24" cy="28" r="10" fill="#ffffff"/><circle cx="42" cy="36" r="10" fill="#f4b942"/>
<text x="74" y="30" font-family="DejaVu Sans, sans-serif" font-size="20" font-weight="bold" fill="#0b3d2e">Jongerenwerk</text>
<text x="74" y="52" font-family="DejaVu Sans, sans-serif" font-size="16" fill="#0b6e4f">Voorbeeldstad</text>
</svg>`;

runScreenshots(async ({ browser, target: main, save }) => {
  const limited = await startBrowserApp({ RATE_LIMIT_PUBLIC_PER_MINUTE: '1' });
  try {
    // A made-up organisation, as a real one would set itself up (the CLI's `org update`).
    await updateOrganisation(main.app.container, main.app.organisationId, { name: 'Jongerenwerk Voorbeeldstad', contactPhone: '020 123 4567', contactEmail: 'info@jongerenwerk-voorbeeldstad.example', website: 'https://jongerenwerk-voorbeeldstad.example', privacyStatementUrl: 'https://jongerenwerk-voorbeeldstad.example/privacy', logo: Buffer.from(LOGO_SVG) });
    const { paths, signedPdf } = await prepareStates(main.app);
    const target = { main, limited, paths, signedPdf };
    for (const shot of SHOTS) {
      const [state, role, lang] = shot;
      const page = await visitState(browser, target, state, role, lang, 390);
      try {
        await save(page, fileName(shot));
      } finally {
        await closePhone(page);
      }
    }
  } finally {
    await limited.close();
  }
});
