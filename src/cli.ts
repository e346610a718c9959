import { ConfigError, loadConfig } from './config';
import { openContainer } from './container';
import { FormValidationError, loadForms } from './consent/forms';
import { describeUnchecked, verifyAuditLog } from './evidence/verify-audit-log';
import { createApiKey } from './organisations/api-keys';
import { bootstrapDemo } from './organisations/bootstrap-demo';
import { runApiKeyCommand, runOrgCommand } from './organisations/organisation-cli';
import { runFormCommand } from './organisations/organisation-forms-cli';
import { runUserCommand } from './dashboard/staff-cli';
import { cleanText, TEXT_PROBLEM_MESSAGES } from './shared/text';

/**
 * `npm run akkoord -- <command>`:
 *   org create --name <name> [--admin-email <address>] [settings]   a set-up link for the first admin, then the first API key as its last line
 *   user invite --organisation <org_id> --email <address> --role admin|youth-worker   prints a one-time dashboard set-up link as its last line
 *   user list --organisation <org_id>
 *   org list | org show <org_id> | org update <org_id> [--name <name>] [settings]
 *   api-key create --name <label> [--organisation <org_id>] [--read-only]   prints the new key as its last line
 *   api-key list [--organisation <org_id>] | api-key revoke <key_id>
 *   forms check                                                validates every form in FORMS_DIR
 *   form list|use|stop|copy --org <org_id> …                  the forms an organisation uses (shared or its own copies)
 *   audit verify                                               checks every request's keyed event chain, its head, status, decisions and documents
 */
const USAGE = `Usage: npm run akkoord -- <command>
  org create --name <name> [--admin-email <address>] [settings]
  org list
  org show <org_id>
  org update <org_id> [--name <name>] [settings]
    settings: --contact-phone --contact-email --website --privacy-url --dpo-contact --sms-sender
              --email-sender-name --reply-to --language nl|en --reminder-after-days --expiry-days
              --turning16-policy until-young-person-decides|lapses-after-days --turning16-lapse-days
              --turning16-window-days --turning16-form <form_id> --renewal-days-before
              --logo <file.png|file.svg>   ("" clears a setting)
  user invite --organisation <org_id> --email <address> --role admin|youth-worker
  user list --organisation <org_id>
  api-key create --name <label> [--organisation <org_id>] [--read-only]
                                       --read-only: the key may only read consent status
  api-key list [--organisation <org_id>]
  api-key revoke <key_id>
  forms check
  form list --org <org_id>
  form use --org <org_id> <form_id>
  form stop --org <org_id> <form_id>
  form copy --org <org_id> <shared_form_id> --file <copy.yaml>
  audit verify`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function runCli(args: string[], io: CliIo): Promise<number> {
  const [group, command] = args;
  const config = loadConfig(io.env);
  if (group === 'forms' && command === 'check') {
    let forms;
    try {
      forms = loadForms(config.formsDir).list();
    } catch (error) {
      if (!(error instanceof FormValidationError)) throw error;
      io.err(`${error.message}\n`);
      return 1;
    }
    for (const f of forms) io.out(`ok  ${f.id}  version ${f.version}  (${f.purposes.length} purposes, audience ${f.audience})\n`);
    io.out(`${forms.length} forms valid\n`);
    return 0;
  }
  if (group === 'audit' && command === 'verify') {
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const summary = await verifyAuditLog({ source: container.store, key: container.auditChain }, (p) => {
        const where = p.eventId === null ? '' : `, event ${p.eventId} (#${(p.index ?? 0) + 1})`;
        io.err(`BROKEN: ${p.requestId === null ? 'the audit log' : `request ${p.requestId}`}${where}: ${p.reason}\n`);
      });
      const unchecked = describeUnchecked(summary);
      if (summary.problems > 0) {
        io.err(`${summary.problems} problem${summary.problems === 1 ? '' : 's'} in ${summary.brokenChains} of ${summary.chains} chains (${summary.events} events)\n`);
        if (unchecked) io.err(`note: ${unchecked}\n`);
        return 1;
      }
      io.out(`ok: ${summary.chains} chains, ${summary.events} events: every chain is whole and sealed, and agrees with its request, decisions and documents\n`);
      if (unchecked) io.out(`note: ${unchecked}\n`);
      return 0;
    } finally {
      await container.close();
    }
  }
  if (group === 'org' || (group === 'api-key' && (command === 'list' || command === 'revoke'))) {
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const code = group === 'org' ? await runOrgCommand({ ...container, publicBaseUrl: config.publicBaseUrl }, args.slice(1), io) : await runApiKeyCommand(container, args.slice(1), io);
      if (code !== null) return code;
    } finally {
      await container.close();
    }
  }
  if (group === 'user' && (command === 'invite' || command === 'list')) {
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const code = await runUserCommand({ store: container.store, clock: container.clock, staffAuth: container.staffAuth, publicBaseUrl: config.publicBaseUrl }, args.slice(1), io);
      if (code !== null) return code;
    } finally {
      await container.close();
    }
  }
  if (group === 'form' && ['list', 'use', 'stop', 'copy'].includes(command ?? '')) {
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const code = await runFormCommand(container, args.slice(1), io);
      if (code !== null) return code;
    } finally {
      await container.close();
    }
  }
  if (group === 'api-key' && command === 'create') {
    const raw = flag(args, 'name');
    if (!raw || raw.startsWith('--')) {
      io.err('api-key create needs --name <label>\n');
      return 2;
    }
    // The label is shown to operators and in listings: the same rule as names (src/shared/text.ts).
    const label = cleanText(raw);
    if (!label.ok || label.value.length > 100) {
      io.err(`api-key create --name: ${label.ok ? 'At most 100 characters.' : TEXT_PROBLEM_MESSAGES[label.problem]}\n`);
      return 2;
    }
    const name = label.value;
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const demo = config.env === 'production' ? null : await bootstrapDemo(container);
      if (demo) io.out(`Created organisation "Demo" (${demo.organisationId}); its first key "dev" was not printed. Use the key below.\n`);
      let organisationId = flag(args, 'organisation');
      if (!organisationId) {
        const only = await container.store.countOrganisations();
        if (only !== 1) {
          io.err(only === 0 ? 'There is no organisation yet: create one with org create --name "…".\n' : 'There are several organisations: pass --organisation <org_id>.\n');
          return 2;
        }
        organisationId = (await container.store.firstOrganisationId()) ?? '';
      }
      if (!(await container.store.getOrganisation(organisationId))) {
        io.err(`There is no organisation ${organisationId}.\n`);
        return 2;
      }
      const readOnly = args.includes('--read-only');
      const { record, secret } = await createApiKey(container, organisationId, name, readOnly ? 'status-read' : 'full');
      io.out(`API key "${record.name}" (${record.id}) for organisation ${organisationId}${readOnly ? ', read-only: consent status lookups only' : ''}. It is shown only once:\n${secret}\n`);
      return 0;
    } finally {
      await container.close();
    }
  }
  io.err(`${USAGE}\n`);
  return 2;
}

if (require.main === module) {
  const io: CliIo = { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  runCli(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (error: unknown) => {
      io.err(error instanceof ConfigError || error instanceof FormValidationError ? `${error.message}\n` : `${String(error)}\n`);
      process.exit(1);
    },
  );
}
