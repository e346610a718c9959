import { readFileSync, statSync } from 'node:fs';

import { copyForm, type FormListChange, organisationForms, type OrganisationFormsDeps, stopForm, useSharedForm } from '../consent/organisation-forms';
import { FormValidationError } from '../consent/forms';
import { guarded as guardCommand, type Io, UsageError } from '../shared/cli-guard';
import type { Clock } from '../shared/clock';

/**
 * `npm run akkoord -- form list|use|stop|copy --org <org_id> …`: parse, make one call into
 * consent/organisation-forms.ts, print. Exit codes as `org …`: 0 done, 2 a wrong command or value.
 */
type Deps = OrganisationFormsDeps & { clock: Clock };

/** A copy's YAML is read whole: 1 MiB (1,048,576 bytes) is far more than any form needs. */
export const FORM_COPY_MAX_BYTES = 1_048_576;

/** `--org` and `--file` take a value; everything else is positional. */
function parseArgs(args: string[]): { options: Map<string, string>; positional: string[] } {
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const option = arg.slice(2);
    if (option !== 'org' && option !== 'file') throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${option} needs a value`);
    if (options.has(option)) throw new UsageError(`--${option} is given twice`);
    options.set(option, value);
    i += 1;
  }
  return { options, positional };
}

function readCopy(path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UsageError(`--file: cannot read the file ${path}`);
  }
  if (size > FORM_COPY_MAX_BYTES) throw new UsageError(`--file: the file is ${size} bytes; at most ${FORM_COPY_MAX_BYTES} bytes (1 MiB) are allowed`);
  return readFileSync(path, 'utf8');
}

/** Runs it; a usage problem, an invalid copy or a refused change is printed as `<command>: <message>` with exit 2. */
const guarded = (command: string, io: Io, run: () => Promise<number>): Promise<number> =>
  guardCommand(command, io, run, { explain: (error) => (error instanceof FormValidationError ? `the copy is not a valid form:\n${error.message}` : null) });

const CHANGE_TEXT: Record<FormListChange, string> = { added: 'now uses', removed: 'no longer uses', replaced: 'replaced its copy', unchanged: 'already uses' };

/** `args` starts after "form"; null when the command is not one of these. */
export async function runFormCommand(deps: Deps, args: string[], io: Io): Promise<number | null> {
  const [command, ...rest] = args;
  if (!command || !['list', 'use', 'stop', 'copy'].includes(command)) return null;
  const name = `form ${command}`;
  return guarded(name, io, async () => {
    const { options, positional } = parseArgs(rest);
    const organisationId = options.get('org');
    if (!organisationId) throw new UsageError('--org <org_id> is required');
    if (command !== 'copy' && options.has('file')) throw new UsageError('--file belongs to form copy');
    if (command === 'list') {
      if (positional.length > 0) throw new UsageError(`unexpected ${JSON.stringify(positional[0])}`);
      const view = await organisationForms(deps, organisationId, deps.clock.now());
      io.out('id\tkind\tversion\tbased on\ttitle\n');
      for (const f of view.forms) {
        io.out(`${f.formId}\t${f.kind}\t${f.form?.version ?? '- (not in consent-forms/ any more)'}\t${f.basedOn ?? '-'}\t${f.form?.title.nl ?? '-'}\n`);
      }
      if (view.usesDefault) io.out('(not chosen yet: this organisation uses every shared form in consent-forms/)\n');
      return 0;
    }
    const [formId, ...extra] = positional;
    if (!formId || extra.length > 0) throw new UsageError(`give one form id: ${name} --org <org_id> <form_id>${command === 'copy' ? ' --file <copy.yaml>' : ''}`);
    if (command === 'use') {
      const result = await useSharedForm(deps, organisationId, formId);
      io.out(`Organisation ${organisationId} ${CHANGE_TEXT[result]} form "${formId}"${result === 'unchanged' ? '; nothing changed' : ''}.\n`);
      return 0;
    }
    if (command === 'stop') {
      await stopForm(deps, organisationId, formId);
      io.out(`Organisation ${organisationId} no longer uses form "${formId}"; requests already made with it keep their form version.\n`);
      return 0;
    }
    const file = options.get('file');
    if (!file) throw new UsageError('--file <copy.yaml> is required');
    const { form, result } = await copyForm(deps, organisationId, { basedOn: formId, fileName: file, yaml: readCopy(file) });
    const what = result === 'unchanged' ? 'already uses this version of its copy' : result === 'replaced' ? 'replaced its copy' : 'now uses its own copy';
    io.out(`Organisation ${organisationId} ${what} "${form.id}" (version ${form.version}) of shared form "${formId}".\n`);
    return 0;
  });
}
