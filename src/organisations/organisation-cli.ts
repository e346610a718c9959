import { readFileSync, statSync } from 'node:fs';

import { AppError } from '../errors';
import { guarded as guardCommand, type Io, UsageError } from '../shared/cli-guard';
import type { Clock } from '../shared/clock';
import type { Store } from '../storage/store';
import { readPngHeader } from '../evidence/png-header';
import { normaliseEmail } from '../consent/contact-address';
import { inviteStaff, type StaffAuthSettings } from '../dashboard/accounts';
import { setupLinkText } from '../dashboard/staff-cli';
import { listApiKeys, revokeApiKey } from './api-keys';
import { LOGO_MAX_BYTES } from './organisation-logo';
import { createOrganisation, type OrganisationInput, updateOrganisation } from './organisation-settings';

/**
 * The `org …` and `api-key list|revoke` commands of `npm run akkoord`: parse options, make one
 * call into the use cases, print. The rules live in organisation-settings.ts and api-keys.ts.
 * Exit codes: 0 done, 2 a wrong command or value (the message names the option).
 */
type Deps = { store: Store; clock: Clock };
/** `org create --admin-email` also invites the first administrator to the dashboard. */
type CreateDeps = Deps & { staffAuth?: StaffAuthSettings; publicBaseUrl?: string };

/** CLI option → setting (and back, to name the option in an error). */
const OPTIONS = {
  name: 'name',
  'contact-phone': 'contactPhone',
  'contact-email': 'contactEmail',
  website: 'website',
  'privacy-url': 'privacyStatementUrl',
  'dpo-contact': 'dpoContact',
  'sms-sender': 'smsSenderName',
  'email-sender-name': 'emailSenderName',
  'reply-to': 'emailReplyTo',
  language: 'defaultLanguage',
  'reminder-after-days': 'reminderAfterDays',
  'expiry-days': 'expiryDays',
  logo: 'logo',
  'turning16-policy': 'turning16Policy',
  'turning16-lapse-days': 'turning16LapseDays',
  'turning16-window-days': 'turning16WindowDays',
  'turning16-form': 'turning16FormId',
  'renewal-days-before': 'renewalDaysBefore',
} as const satisfies Record<string, keyof OrganisationInput>;
const OPTION_OF = Object.fromEntries(Object.entries(OPTIONS).map(([option, field]) => [field, option])) as Record<string, string>;

/** `--option value` pairs; every option known, every option with a value ("" allowed), none twice. */
function parseOptions(args: string[], allowed: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const arg = args[i]!;
    const option = arg.startsWith('--') ? arg.slice(2) : null;
    if (option === null || !allowed.includes(option)) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const value = args[i + 1];
    if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`--${option} needs a value`);
    if (options.has(option)) throw new UsageError(`--${option} is given twice`);
    options.set(option, value);
  }
  return options;
}

function readLogo(path: string): Buffer {
  if (path === '') return Buffer.alloc(0);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw AppError.validation('logo', `Cannot read the file ${path}.`);
  }
  if (size > LOGO_MAX_BYTES) throw AppError.validation('logo', `The logo is ${size} bytes; at most ${LOGO_MAX_BYTES} bytes (200 KB) are allowed.`);
  return readFileSync(path);
}

function toInput(options: Map<string, string>): OrganisationInput {
  const input: OrganisationInput = {};
  for (const [option, value] of options) {
    const field = OPTIONS[option as keyof typeof OPTIONS];
    if (field === 'logo') input.logo = readLogo(value);
    else input[field] = value;
  }
  return input;
}

/** Runs it; a usage or validation problem is printed as `<command> --<option>: <message>` with exit 2. */
const guarded = (command: string, io: Io, run: () => Promise<number>): Promise<number> => guardCommand(command, io, run, { optionOf: OPTION_OF });

const date = (d: Date): string => d.toISOString();

/** `args` starts after "org"; null when the command is not one of these. */
export async function runOrgCommand(deps: CreateDeps, args: string[], io: Io): Promise<number | null> {
  const [command, ...rest] = args;
  const settingOptions = Object.keys(OPTIONS);
  if (command === 'create') {
    return guarded('org create', io, async () => {
      const options = parseOptions(rest, [...settingOptions, 'admin-email']);
      const name = options.get('name');
      if (name === undefined) throw new UsageError('--name <name> is required');
      const adminEmail = options.get('admin-email');
      options.delete('admin-email');
      // Checked before anything is created, so a typo leaves no organisation without its administrator.
      if (adminEmail !== undefined) normaliseEmail(adminEmail, 'admin-email');
      const created = await createOrganisation(deps, { ...toInput(options), name });
      io.out(`Organisation "${created.organisation.name}" (${created.organisation.id}) created.\n`);
      if (adminEmail !== undefined && deps.staffAuth && deps.publicBaseUrl) {
        const invite = await inviteStaff({ ...deps, staffAuth: deps.staffAuth, publicBaseUrl: deps.publicBaseUrl }, { organisationId: created.organisation.id, email: adminEmail, role: 'admin' });
        io.out(`${setupLinkText(invite.email, invite.role, invite.expiresAt, invite.link)}\n`);
      } else {
        io.out(`Invite its first administrator to the dashboard: npm run akkoord -- user invite --organisation ${created.organisation.id} --email <address> --role admin\n`);
      }
      io.out(`Its first API key (${created.keyId}) is shown only once:\n${created.secret}\n`);
      return 0;
    });
  }
  if (command === 'update') {
    return guarded('org update', io, async () => {
      const [id, ...optionArgs] = rest;
      if (!id || id.startsWith('--')) throw new UsageError('give the organisation id: org update <org_id> --<setting> <value> …');
      const options = parseOptions(optionArgs, settingOptions);
      if (options.size === 0) throw new UsageError('give at least one setting to change');
      const { organisation } = await updateOrganisation(deps, id, toInput(options));
      io.out(`Organisation "${organisation.name}" (${organisation.id}) updated: ${[...options.keys()].map((o) => `--${o}`).join(', ')}.\n`);
      return 0;
    });
  }
  if (command === 'show') {
    return guarded('org show', io, async () => {
      const [id, ...extra] = rest;
      if (!id || id.startsWith('--') || extra.length > 0) throw new UsageError('give one organisation id: org show <org_id>');
      const organisation = await deps.store.getOrganisation(id);
      const settings = await deps.store.getOrganisationSettings(id);
      if (!organisation || !settings) throw new UsageError(`there is no organisation ${id}`);
      const logo = settings.logoPng ? readPngHeader(settings.logoPng) : null;
      const rows: [string, string | number | null][] = [
        ['id', organisation.id],
        ['created', date(organisation.createdAt)],
        ...Object.entries(OPTIONS).map(([option, field]): [string, string | number | null] => [
          `--${option}`,
          field === 'logo' ? (settings.logoPng ? `PNG ${logo?.width ?? '?'} × ${logo?.height ?? '?'} pixels, ${settings.logoPng.length} bytes` : null) : field === 'name' ? organisation.name : settings[field] ?? null,
        ]),
      ];
      for (const [label, value] of rows) io.out(`${label}\t${value ?? '-'}\n`);
      return 0;
    });
  }
  if (command === 'list') {
    return guarded('org list', io, async () => {
      parseOptions(rest, []);
      const organisations = await deps.store.listOrganisations();
      io.out('id\tname\tcreated\tactive keys\trevoked keys\n');
      for (const o of organisations) io.out(`${o.id}\t${o.name}\t${date(o.createdAt)}\t${o.activeKeys}\t${o.revokedKeys}\n`);
      return 0;
    });
  }
  return null;
}

/** `args` starts after "api-key"; null when the command is not one of these. */
export async function runApiKeyCommand(deps: Deps, args: string[], io: Io): Promise<number | null> {
  const [command, ...rest] = args;
  if (command === 'list') {
    return guarded('api-key list', io, async () => {
      const organisationId = parseOptions(rest, ['organisation']).get('organisation');
      if (organisationId !== undefined && !(await deps.store.getOrganisation(organisationId))) throw new UsageError(`there is no organisation ${organisationId}`);
      const keys = await listApiKeys(deps.store, organisationId);
      io.out('id\torganisation\tname\tcreated\trevoked\tscope\n');
      for (const k of keys) io.out(`${k.id}\t${k.organisationId}\t${k.name}\t${date(k.createdAt)}\t${k.revokedAt ? date(k.revokedAt) : '-'}\t${k.scope === 'status-read' ? 'status-read' : 'full'}\n`);
      return 0;
    });
  }
  if (command === 'revoke') {
    return guarded('api-key revoke', io, async () => {
      const [keyId, ...extra] = rest;
      if (!keyId || keyId.startsWith('--') || extra.length > 0) throw new UsageError('give one key id: api-key revoke <key_id>');
      const key = await revokeApiKey(deps, keyId);
      io.out(`API key "${key.name}" (${key.id}) of organisation ${key.organisationId} is revoked; it no longer works anywhere.\n`);
      return 0;
    });
  }
  return null;
}
