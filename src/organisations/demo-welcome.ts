import { amsterdamDate } from '../consent/age';

/**
 * Printed once, on the first start with an empty store: the key is not stored readably anywhere.
 * The example child is ten years old today, so the curl keeps working as the years pass, and it
 * asks by e-mail, which is delivered at any hour (SMS wait for 08:00 during quiet hours).
 */
export function demoWelcome(baseUrl: string, secret: string, now: Date, admin?: { email: string; link: string }): string {
  const today = amsterdamDate(now);
  const born = `${today.year - 10}-${String(today.month).padStart(2, '0')}-${String(Math.min(today.day, 28)).padStart(2, '0')}`;
  const body = {
    formId: 'activiteit-onder-16',
    subject: { reference: 'REG-1042', firstName: 'Sam', lastName: 'de Vries', dateOfBirth: born },
    recipient: { name: 'Ans de Vries', channel: 'email', email: 'ans.devries@example.nl', language: 'nl' },
  };
  return [
    '',
    'Akkoord created the organisation "Demo" with a development API key.',
    'It is shown only this once; keep it now:',
    '',
    `  ${secret}`,
    '',
    'Create a consent request:',
    '',
    `curl -s -X POST ${baseUrl}/api/v1/consent-requests \\`,
    `  -H 'Authorization: Bearer ${secret}' -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(body)}'`,
    '',
    `Then open ${baseUrl}/dev/outbox for the link the parent would receive.`,
    '',
    ...(admin
      ? [
          `The dashboard is at ${baseUrl}/app. Set up the Demo administrator (${admin.email}) with this link,`,
          'valid for 72 hours and only once (it is not stored readably either):',
          '',
          `  ${admin.link}`,
          '',
        ]
      : []),
  ].join('\n');
}
