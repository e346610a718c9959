import { ConfigError, loadConfig } from './config';
import { buildContainer } from './container';
import { FormValidationError, loadForms } from './consent/forms';
import { createApiKey } from './organisations/api-keys';
import { bootstrapDemo } from './organisations/bootstrap-demo';

/**
 * `npm run akkoord -- <command>`:
 *   api-key create --name <label> [--organisation <org_id>]   prints the new key as its last line
 *   forms check                                                validates every form in FORMS_DIR
 */
const USAGE = `Usage: npm run akkoord -- <command>
  api-key create --name <label> [--organisation <org_id>]
  forms check`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

async function run(args: string[]): Promise<number> {
  const [group, command] = args;
  const config = loadConfig();
  if (group === 'forms' && command === 'check') {
    const forms = loadForms(config.formsDir).list();
    for (const f of forms) process.stdout.write(`ok  ${f.id}  version ${f.version}  (${f.purposes.length} purposes, audience ${f.audience})\n`);
    process.stdout.write(`${forms.length} forms valid\n`);
    return 0;
  }
  if (group === 'api-key' && command === 'create') {
    const name = flag(args, 'name');
    if (!name || name.startsWith('--')) {
      process.stderr.write('api-key create needs --name <label>\n');
      return 2;
    }
    const container = buildContainer({ ...config, logLevel: 'warn' });
    try {
      const demo = await bootstrapDemo(container);
      if (demo) process.stdout.write(`Created organisation "Demo" (${demo.organisationId}); its first key "dev" was not printed. Use the key below.\n`);
      let organisationId = flag(args, 'organisation');
      if (!organisationId) {
        const only = await container.store.countOrganisations();
        if (only !== 1) {
          process.stderr.write('There are several organisations: pass --organisation <org_id>.\n');
          return 2;
        }
        organisationId = (await container.store.firstOrganisationId()) ?? '';
      }
      if (!(await container.store.getOrganisation(organisationId))) {
        process.stderr.write(`There is no organisation ${organisationId}.\n`);
        return 2;
      }
      const { record, secret } = await createApiKey(container, organisationId, name);
      process.stdout.write(`API key "${record.name}" (${record.id}) for organisation ${organisationId}. It is shown only once:\n${secret}\n`);
      return 0;
    } finally {
      await container.close();
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError || error instanceof FormValidationError ? `${error.message}\n` : `${String(error)}\n`);
    process.exit(1);
  },
);
