import { ConfigError, loadConfig } from './config';
import { openContainer } from './container';
import { FormValidationError, loadForms } from './consent/forms';
import { verifyChain } from './evidence/audit-chain';
import { createApiKey } from './organisations/api-keys';
import { bootstrapDemo } from './organisations/bootstrap-demo';

/**
 * `npm run akkoord -- <command>`:
 *   api-key create --name <label> [--organisation <org_id>]   prints the new key as its last line
 *   forms check                                                validates every form in FORMS_DIR
 *   audit verify                                               checks every request's event hash chain
 */
const USAGE = `Usage: npm run akkoord -- <command>
  api-key create --name <label> [--organisation <org_id>]
  forms check
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
      let chains = 0;
      let events = 0;
      for await (const chain of container.store.eventChains()) {
        const check = verifyChain(chain.events);
        if (!check.ok) {
          io.err(`BROKEN: request ${chain.requestId}, event ${check.eventId} (#${check.index + 1}): ${check.reason}\n`);
          return 1;
        }
        chains += 1;
        events += chain.events.length;
      }
      io.out(`ok: ${chains} audit chains, ${events} events, every link holds\n`);
      return 0;
    } finally {
      await container.close();
    }
  }
  if (group === 'api-key' && command === 'create') {
    const name = flag(args, 'name');
    if (!name || name.startsWith('--')) {
      io.err('api-key create needs --name <label>\n');
      return 2;
    }
    const container = await openContainer({ ...config, logLevel: 'warn' });
    try {
      const demo = await bootstrapDemo(container);
      if (demo) io.out(`Created organisation "Demo" (${demo.organisationId}); its first key "dev" was not printed. Use the key below.\n`);
      let organisationId = flag(args, 'organisation');
      if (!organisationId) {
        const only = await container.store.countOrganisations();
        if (only !== 1) {
          io.err('There are several organisations: pass --organisation <org_id>.\n');
          return 2;
        }
        organisationId = (await container.store.firstOrganisationId()) ?? '';
      }
      if (!(await container.store.getOrganisation(organisationId))) {
        io.err(`There is no organisation ${organisationId}.\n`);
        return 2;
      }
      const { record, secret } = await createApiKey(container, organisationId, name);
      io.out(`API key "${record.name}" (${record.id}) for organisation ${organisationId}. It is shown only once:\n${secret}\n`);
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
