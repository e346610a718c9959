'use strict';
/**
 * Issue 3 benchmark: status lookups (GET /api/v1/subjects/{ref}/consent) against 10,000 stored
 * subjects, side by side in the same run with a bare Express handler answering the same JSON; then
 * consent requests created per second through the real API; then the service's RSS.
 *
 * The service and the baseline each run in their own forked process (bench/service-process.js,
 * bench/bare-process.js); autocannon runs here. Rounds alternate bare → service → bare → service
 * and the median of each is compared, because a 2-core machine is noisy. See bench/README.md.
 *
 * Run with `npm run bench` (builds dist/ first). Settings (environment):
 *   BENCH_DURATION=6         seconds per measured lookup run
 *   BENCH_WARMUP=2           seconds of warm-up before every measured run (not counted)
 *   BENCH_ROUNDS=4           bare/service pairs
 *   BENCH_CONNECTIONS=50     lookup connections
 *   BENCH_SUBJECTS=10000     subjects seeded before the service listens
 *   BENCH_CREATE_DURATION=5  seconds of POST /api/v1/consent-requests
 *   BENCH_CREATE_CONNECTIONS=20
 *   BENCH_WARN_LOG=1         per round, one more service run with LOG_LEVEL=warn (no access log), for comparison (0: skip)
 *   BENCH_CPU_PROF=0         1: one extra, profiled service lookup run; summary in bench/results/profile-lookups.md
 *   BENCH_QUIET_WAIT=120     seconds to wait, before each run, for other processes to use < 0.5 core
 */
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { parsePhoneNumberFromString } = require('libphonenumber-js/max');

const { ROOT, S, TARGET, median, mb, log, serviceEnv, startChild, measure, lookupRun } = require('./harness');
const { summariseProfile, profileMarkdown } = require('./profile-summary');
const { reference } = require('./seed');

const RESULTS = join(__dirname, 'results');

/** Synthetic Dutch mobile numbers in the "06 1234 5678" style that the API's own check accepts. */
function mobileNumbers(count) {
  const out = [];
  for (let i = 0; out.length < count && i < count * 10; i += 1) {
    const digits = String(12_000_000 + ((i * 7919) % 8_000_000)).padStart(8, '0');
    const text = `06 ${digits.slice(0, 4)} ${digits.slice(4)}`;
    const parsed = parsePhoneNumberFromString(text, 'NL');
    if (parsed?.isValid() && parsed.getType() === 'MOBILE') out.push(text);
  }
  if (out.length < count) throw new Error('could not make enough valid synthetic mobile numbers');
  return out;
}

function createOptions(port, apiKey, duration) {
  const perClient = 25;
  const phones = mobileNumbers(S.createConnections * perClient);
  const first = ['Sam', 'Noor', 'Daan', 'Lotte', 'Milan', 'Fenna', 'Ayoub', 'Sara'];
  const last = ['de Vries', 'Bakker', 'Jansen', 'Visser', 'Smit', 'Meijer'];
  const body = (c, k) => {
    const i = c * perClient + k;
    return JSON.stringify({
      formId: 'activiteit-onder-16',
      subject: { reference: `NEW-${String(c).padStart(3, '0')}-${String(k).padStart(3, '0')}`, firstName: first[i % first.length], lastName: last[i % last.length], dateOfBirth: `2015-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` },
      recipient: { name: `Ouder ${last[i % last.length]}`, channel: 'sms', phone: phones[i], language: i % 5 === 0 ? 'en' : 'nl' },
    });
  };
  let nextClient = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: S.createConnections,
    duration,
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
    requests: [{ method: 'POST', path: '/api/v1/consent-requests', body: body(0, 0) }],
    setupClient: (client) => {
      const c = nextClient++ % S.createConnections;
      client.setRequests(Array.from({ length: perClient }, (_, k) => ({ method: 'POST', path: '/api/v1/consent-requests', body: body(c, k) })));
    },
  };
}

/** Which code was measured: others change src/ while benchmarks run, so say so when it was not a commit. */
function gitDescription() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ` + ${dirty} uncommitted change(s) in src/` : ''}`;
  } catch {
    return process.env.BENCH_CODE ?? 'unknown (no git; set BENCH_CODE to say which code this is)';
  }
}

function machineFacts() {
  const cpus = os.cpus();
  const version = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), 'utf8')).version;
  return {
    node: process.version,
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    memory: mb(os.totalmem()),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    versions: `express ${version('express')}, better-sqlite3 ${version('better-sqlite3')}, autocannon ${version('autocannon')}`,
    code: gitDescription(),
  };
}

function markdown(r) {
  const f = (x, d = 0) => (typeof x === 'number' ? x.toFixed(d) : String(x));
  const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');
  const lines = [
    `# Akkoord benchmark — ${r.date}`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memory} RAM, ${r.machine.os}; Node ${r.machine.node}; ${r.machine.versions}.`,
    `Code: ${r.machine.code}.`,
    `Settings: ${S.subjects} subjects seeded (${f(r.seedMs / 1000, 1)} s), ${S.connections} connections, ${S.duration} s per run after ${S.warmup} s warm-up, ${S.rounds} rounds (bare → service alternating${S.warnLog ? ' → service with LOG_LEVEL=warn' : ''}), LOG_LEVEL=info (the default: one access-log line per request, stdout to /dev/null), worker off.`,
    '',
    '## Status lookups: `GET /api/v1/subjects/{ref}/consent`',
    '',
    '| run | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | non-2xx | server CPU µs/request | server busy | other load |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.runs.map((x) => `| ${x.label} | ${f(x.rps)} | ${x.p50} | ${x.p90} | ${x.p99} | ${x.max} | ${x.total} | ${x.non2xx} | ${f(x.cpuPerRequestUs)} | ${f(x.serverBusy * 100)} % | ${x.other === null ? 'n/a' : `${f(x.other * 100)} %${x.disturbed ? ' ⚠' : ''}`} |`),
    '',
    '_server busy_: the server process\'s CPU time ÷ wall time (above 100 %: V8\'s helper threads). _other load_: CPU used during the run by neither the server nor autocannon, in % of one core — other sessions on this shared machine; a run with more than 15 % is repeated (up to 3 tries), ⚠ marks one that stayed disturbed.',
    '',
    '| median of the rounds | req/s | p99 ms | server CPU µs/request |',
    '|---|---:|---:|---:|',
    `| bare Express handler (same JSON) | ${f(r.bare.rps)} | ${f(r.bare.p99, 1)} | ${f(r.bare.cpu)} |`,
    `| Akkoord service (LOG_LEVEL=info, the default) | ${f(r.service.rps)} | ${f(r.service.p99, 1)} | ${f(r.service.cpu)} |`,
    ...(r.serviceWarn ? [`| (comparison, not in the verdict) Akkoord service with LOG_LEVEL=warn, no access log | ${f(r.serviceWarn.rps)} | ${f(r.serviceWarn.p99, 1)} | ${f(r.serviceWarn.cpu)} |`] : []),
    '',
    '| target | measured | verdict |',
    '|---|---:|---|',
    `| req/s service ÷ bare ≥ ${TARGET.rpsRatio} | ${f(r.rpsRatio, 2)} | ${verdict(r.rpsPass)} |`,
    `| p99 service ÷ bare ≤ ${TARGET.p99Ratio} | ${f(r.p99Ratio, 2)} | ${verdict(r.p99Pass)} |`,
    `| (no target) server CPU per request, bare ÷ service | ${f(r.bare.cpu / r.service.cpu, 2)} | the capacity ratio, steadier than req/s on a shared machine |`,
    '',
  ];
  if (r.serviceWarn) {
    const cost = ((r.service.cpu - r.serviceWarn.cpu) / r.serviceWarn.cpu) * 100;
    lines.push(
      `The access log's cost (medians of the rounds): server CPU ${f(r.service.cpu)} µs/request with LOG_LEVEL=info against ${f(r.serviceWarn.cpu)} with warn (${cost >= 0 ? '+' : ''}${f(cost)} %); req/s ratio to the bare handler ${f(r.rpsRatio, 2)} with info, ${f(r.serviceWarn.rps / r.bare.rps, 2)} with warn.`,
      '',
    );
  }
  lines.push(
    '## Creating consent requests: `POST /api/v1/consent-requests`',
    '',
    '| connections | seconds | created/s | p50 ms | p99 ms | created | non-2xx | server CPU µs/request | other load |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${S.createConnections} | ${S.createDuration} | ${f(r.creates.rps)} | ${r.creates.p50} | ${r.creates.p99} | ${r.creates.total} | ${r.creates.non2xx} | ${f(r.creates.cpuPerRequestUs)} | ${r.creates.other === null ? 'n/a' : `${f(r.creates.other * 100)} %`} |`,
    '',
    '## Memory (RSS)',
    '',
    '| process | after seeding | after lookups | after creates |',
    '|---|---:|---:|---:|',
    `| Akkoord service | ${mb(r.rss.seeded)} | ${mb(r.rss.afterLookups)} | ${mb(r.rss.afterCreates)} |`,
    `| bare Express | — | ${mb(r.rss.bare)} | — |`,
    '',
  );
  if (r.profileFile) lines.push(`CPU profile of one extra service lookup run: ${r.profileFile} (summary in bench/results/profile-lookups.md).`, '');
  return lines.join('\n');
}

async function main() {
  const machine = machineFacts();
  log(`node ${machine.node}, ${machine.cpus} × ${machine.model}`);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'akkoord-bench-'));
  const env = serviceEnv(dataDir);
  const service = startChild('service-process.js', { env });
  let bare = null;
  try {
    log(`seeding ${S.subjects} subjects …`);
    const ready = await service.ready;
    log(`  seeded in ${(ready.seedMs / 1000).toFixed(1)} s, service on port ${ready.port}`);
    const seeded = (await service.ask({ type: 'rss' })).rss;

    const probe = await fetch(`http://127.0.0.1:${ready.port}/api/v1/subjects/${reference(0)}/consent`, { headers: { authorization: `Bearer ${ready.apiKey}` } });
    const sampleText = await probe.text();
    if (probe.status !== 200) throw new Error(`the status lookup answered ${probe.status}: ${sampleText}`);
    const sample = JSON.parse(sampleText);
    if (sample.purposes.length === 0) throw new Error('the seeded subject has no purposes; seeding went wrong');

    bare = startChild('bare-process.js', { args: [sampleText] });
    const bareReady = await bare.ready;
    const bareText = await (await fetch(`http://127.0.0.1:${bareReady.port}/api/v1/subjects/${reference(0)}/consent`)).text();
    if (bareText !== sampleText) throw new Error('the bare handler does not answer the same JSON as the service');
    log(`  answer: ${Buffer.byteLength(sampleText)} bytes, ${sample.purposes.length} purposes; bare handler on port ${bareReady.port}`);

    log(`lookups: ${S.rounds} rounds × (bare, service), ${S.connections} connections, ${S.warmup} s warm-up + ${S.duration} s each`);
    const runs = [];
    const bareRuns = [];
    const serviceRuns = [];
    const warnRuns = [];
    for (let round = 1; round <= S.rounds; round += 1) {
      const b = await lookupRun(`round ${round}: bare`, bare, bareReady.port, ready.apiKey);
      runs.push({ label: `${round}. bare Express`, ...b });
      bareRuns.push(b);
      const s = await lookupRun(`round ${round}: service`, service, ready.port, ready.apiKey);
      runs.push({ label: `${round}. Akkoord service`, ...s });
      serviceRuns.push(s);
      if (S.warnLog) {
        await service.ask({ type: 'log-level', level: 'warn' });
        const w = await lookupRun(`round ${round}: service, warn`, service, ready.port, ready.apiKey);
        await service.ask({ type: 'log-level', level: 'info' });
        runs.push({ label: `${round}. Akkoord service, LOG_LEVEL=warn (comparison)`, ...w });
        warnRuns.push(w);
      }
    }
    const med = (xs) => ({ rps: median(xs.map((x) => x.rps)), p99: median(xs.map((x) => x.p99)), cpu: median(xs.map((x) => x.cpuPerRequestUs)) });
    const bareMed = med(bareRuns);
    const serviceMed = med(serviceRuns);
    const afterLookups = (await service.ask({ type: 'rss' })).rss;
    const bareRss = (await bare.ask({ type: 'rss' })).rss;

    let profileFile = null;
    if (S.cpuProf) {
      mkdirSync(join(RESULTS, 'profiles'), { recursive: true });
      const file = join(RESULTS, 'profiles', 'lookups.cpuprofile');
      await service.ask({ type: 'profile-start' });
      await lookupRun('service, profiled', service, ready.port, ready.apiKey);
      await service.ask({ type: 'profile-stop', file });
      profileFile = 'bench/results/profiles/lookups.cpuprofile';
      writeFileSync(join(RESULTS, 'profile-lookups.md'), profileMarkdown(summariseProfile(JSON.parse(readFileSync(file, 'utf8'))), 'CPU profile: service during status lookups'));
      log(`  profile written to ${profileFile}; summary in bench/results/profile-lookups.md`);
    }

    log(`creates: ${S.createConnections} connections, 1 s warm-up + ${S.createDuration} s`);
    const creates = await measure('creates', service, (seconds) => createOptions(ready.port, ready.apiKey, seconds), { warmup: 1, duration: S.createDuration });
    const afterCreates = (await service.ask({ type: 'rss' })).rss;

    const rpsRatio = serviceMed.rps / bareMed.rps;
    const p99Ratio = serviceMed.p99 / bareMed.p99;
    const result = {
      date: new Date().toISOString().slice(0, 10),
      machine,
      seedMs: ready.seedMs,
      runs,
      bare: bareMed,
      service: serviceMed,
      rpsRatio,
      p99Ratio,
      rpsPass: rpsRatio >= TARGET.rpsRatio,
      p99Pass: p99Ratio <= TARGET.p99Ratio,
      serviceWarn: warnRuns.length > 0 ? med(warnRuns) : null,
      creates,
      rss: { seeded, afterLookups, afterCreates, bare: bareRss },
      profileFile,
    };
    const md = markdown(result);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.md'), md);
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify({ settings: S, ...result }, null, 2)}\n`);
    process.stdout.write(`\n${md}\n`);
    log(`written to bench/results/latest.md — lookups ${result.rpsPass && result.p99Pass ? 'PASS' : 'FAIL'}`);
  } finally {
    await Promise.all([service.stop(), bare?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
