import { isAppError } from '../errors';
import { inviteStaff, listColleagues, type StaffDeps } from './accounts';
import { STAFF_ROLES } from './staff';

/**
 * `npm run akkoord -- user invite --organisation <org_id> --email <address> --role admin|youth-worker`
 * prints the one-time set-up link as its last line; `user list --organisation <org_id>` lists the
 * organisation's accounts. Exit codes: 0 done, 2 a wrong command or value (the message names the option).
 */
interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const OPTION_OF: Record<string, string> = { email: 'email', role: 'role', organisationId: 'organisation' };

function options(args: string[], allowed: readonly string[]): Map<string, string> | string {
  const found = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const arg = args[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    if (name === null || !allowed.includes(name)) return `unknown option ${JSON.stringify(arg)}`;
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) return `--${name} needs a value`;
    if (found.has(name)) return `--${name} is given twice`;
    found.set(name, value);
  }
  return found;
}

/** `args` starts after "user"; null when the command is not one of these. */
export async function runUserCommand(deps: StaffDeps, args: string[], io: Io): Promise<number | null> {
  const [command, ...rest] = args;
  if (command === 'invite') {
    const parsed = options(rest, ['organisation', 'email', 'role']);
    if (typeof parsed === 'string') return usage(io, 'user invite', parsed);
    for (const required of ['organisation', 'email', 'role']) {
      if (!parsed.has(required)) return usage(io, 'user invite', `--${required} is required (user invite --organisation <org_id> --email <address> --role ${STAFF_ROLES.join('|')})`);
    }
    try {
      const invite = await inviteFirst(deps, parsed.get('organisation')!, parsed.get('email')!, parsed.get('role')!);
      io.out(`${invite}\n`);
      return 0;
    } catch (error) {
      if (!isAppError(error)) throw error;
      const problem = error.errors?.[0];
      return usage(io, 'user invite', problem ? `--${OPTION_OF[problem.path] ?? problem.path}: ${problem.message}` : error.message);
    }
  }
  if (command === 'list') {
    const parsed = options(rest, ['organisation']);
    if (typeof parsed === 'string') return usage(io, 'user list', parsed);
    const organisationId = parsed.get('organisation');
    if (!organisationId) return usage(io, 'user list', '--organisation <org_id> is required');
    if (!(await deps.store.getOrganisation(organisationId))) return usage(io, 'user list', `there is no organisation ${organisationId}`);
    const users = await listColleagues(deps, { userId: '', organisationId, role: 'admin', email: '', language: 'nl', csrfToken: '' });
    io.out('id\temail\trole\tstate\tcreated\n');
    for (const u of users) io.out(`${u.id}\t${u.email}\t${u.role}\t${u.state}\t${u.createdAt.toISOString()}\n`);
    return 0;
  }
  return null;
}

function usage(io: Io, command: string, message: string): number {
  io.err(`${command}: ${message}\n`);
  return 2;
}

/** The lines `user invite` and `org create --admin-email` print; the link is the last line. */
async function inviteFirst(deps: StaffDeps, organisationId: string, email: string, role: string): Promise<string> {
  const invite = await inviteStaff(deps, { organisationId, email, role });
  return setupLinkText(invite.email, invite.role, invite.expiresAt, invite.link);
}

export function setupLinkText(email: string, role: string, expiresAt: Date, link: string): string {
  return `Set-up link for ${email} (${role}) in the dashboard, valid until ${expiresAt.toISOString()} (72 hours), works once:\n${link}`;
}
