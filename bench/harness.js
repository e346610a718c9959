'use strict';
/**
 * What bench/run.js and its child processes share: settings from the environment, forked children
 * with a small IPC protocol, and one measured autocannon lookup run with the server's CPU time.
 */
const autocannon = require('autocannon');
const { fork } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const { reference } = require('./seed');

const ROOT = resolve(__dirname, '..');

const num = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return v;
};
const S = {
  duration: num('BENCH_DURATION', 6),
  warmup: num('BENCH_WARMUP', 2),
  rounds: Math.max(1, Math.round(num('BENCH_ROUNDS', 4))),
  connections: Math.max(1, Math.round(num('BENCH_CONNECTIONS', 50))),
  subjects: Math.max(1, Math.round(num('BENCH_SUBJECTS', 10_000))),
  createDuration: num('BENCH_CREATE_DURATION', 5),
  createConnections: Math.max(1, Math.round(num('BENCH_CREATE_CONNECTIONS', 20))),
  warnLog: num('BENCH_WARN_LOG', 1) !== 0,
  cpuProf: num('BENCH_CPU_PROF', 0) !== 0,
  quietWait: num('BENCH_QUIET_WAIT', 120),
};
const TARGET = { rpsRatio: 0.7, p99Ratio: 1.5 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const log = (line) => process.stderr.write(`${line}\n`);

/**
 * The service's environment in the bench: a fresh data folder, the default LOG_LEVEL=info (one
 * access-log line per request, to stdout, which the bench sends to /dev/null), no background
 * worker, and an API rate limit so high it never answers 429 (the limiter still runs).
 */
function serviceEnv(dataDir) {
  return {
    ...process.env,
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    WORKER_ENABLED: 'false',
    RATE_LIMIT_API_PER_MINUTE: '1000000000',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    BENCH_SUBJECTS: String(S.subjects),
  };
}

/** A forked child that answers IPC messages; `ask` waits for the reply of the same type. */
function startChild(file, { args = [], env = process.env } = {}) {
  const child = fork(join(__dirname, file), args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map();
  let exited = null;
  const failAll = (error) => {
    for (const [, w] of waiting) w.reject(error);
    waiting.clear();
  };
  child.on('message', (msg) => {
    if (msg.type === 'error') return failAll(new Error(`${file}: ${msg.message}`));
    const w = waiting.get(msg.type);
    if (w) {
      waiting.delete(msg.type);
      w.resolve(msg);
    }
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    failAll(new Error(`${file} exited (code ${code}, signal ${signal})`));
  });
  const expect = (type) =>
    new Promise((res, rej) => {
      if (exited) return rej(new Error(`${file} has exited`));
      waiting.set(type, { resolve: res, reject: rej });
    });
  return {
    child,
    ready: expect('ready'),
    ask: (msg) => {
      const reply = expect(msg.type);
      child.send(msg);
      return reply;
    },
    stop: () =>
      new Promise((res) => {
        if (exited) return res();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => (clearTimeout(timer), res()));
        child.send({ type: 'stop' });
      }),
  };
}

/**
 * Lookups spread over all subjects: client c of n walks its own slice of references, so the 50
 * connections together cover all 10,000 and do not ask for the same one at once. The request
 * buffers are built once (no setupRequest per request), so the load generator stays cheap.
 */
function lookupOptions(port, apiKey, duration) {
  const per = Math.ceil(S.subjects / S.connections);
  let nextClient = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: S.connections,
    duration,
    headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
    requests: [{ method: 'GET', path: `/api/v1/subjects/${reference(0)}/consent` }],
    setupClient: (client) => {
      const c = nextClient++ % S.connections;
      const paths = [];
      for (let k = 0; k < per; k += 1) paths.push({ method: 'GET', path: `/api/v1/subjects/${reference((c * per + k) % S.subjects)}/consent` });
      client.setRequests(paths);
    },
  };
}

function summary(result) {
  return {
    rps: result.requests.average,
    total: result.requests.total,
    duration: result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** Busy CPU time of the whole machine so far, in µs (Linux /proc/stat); null elsewhere. */
function machineBusyUs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return ((user + nice + system + irq + softirq + steal) * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}
const ownCpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/**
 * Other sessions share this machine. Before a measured run, wait (up to BENCH_QUIET_WAIT seconds)
 * until the rest of the machine uses less than half a core; the run then records what it did use.
 */
async function waitForQuiet() {
  const deadline = Date.now() + S.quietWait * 1000;
  for (;;) {
    const m0 = machineBusyUs();
    if (m0 === null) return null;
    await new Promise((r) => setTimeout(r, 1000));
    const other = (machineBusyUs() - m0) / 1e6;
    if (other < 0.5 || Date.now() >= deadline) {
      if (other >= 0.5) log(`  (the machine is still busy with other work: ${(other * 100).toFixed(0)} % of a core; measuring anyway)`);
      return other;
    }
    log(`  waiting: other processes use ${(other * 100).toFixed(0)} % of a core`);
  }
}

/**
 * One measured autocannon run against \`target\` (a child from startChild); \`makeOptions(seconds)\`
 * gives autocannon's options. Besides autocannon's numbers it records the server process's CPU
 * time: CPU per request is steadier than req/s on a shared machine, and a busy share well below
 * 100 % would mean the load generator, not the server, set the pace. \`other\` is the CPU that
 * neither the server nor this process (autocannon) used during the run, in cores: other sessions'
 * work that competed for the 2 cores.
 */
async function measureOnce(label, target, makeOptions, { warmup, duration }) {
  await waitForQuiet();
  if (warmup > 0) await autocannon(makeOptions(warmup));
  const cpuBefore = (await target.ask({ type: 'cpu' })).us;
  const ownBefore = ownCpuUs();
  const machineBefore = machineBusyUs();
  const s = summary(await autocannon(makeOptions(duration)));
  const machineUs = machineBefore === null ? null : machineBusyUs() - machineBefore;
  const ownUs = ownCpuUs() - ownBefore;
  const cpuUs = (await target.ask({ type: 'cpu' })).us - cpuBefore;
  s.cpuPerRequestUs = cpuUs / s.total;
  s.serverBusy = cpuUs / (s.duration * 1e6);
  // Per-process and machine-wide accounting differ by a few % of a core; below zero means none.
  s.other = machineUs === null ? null : Math.max(0, (machineUs - cpuUs - ownUs) / (s.duration * 1e6));
  const other = s.other === null ? '' : `, other load ${(s.other * 100).toFixed(0)} %`;
  log(`  ${label.padEnd(24)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  server CPU ${s.cpuPerRequestUs.toFixed(0)} µs/request, busy ${(s.serverBusy * 100).toFixed(0)} %${other}  non-2xx ${s.non2xx}  errors ${s.errors}`);
  if (s.non2xx || s.errors || s.timeouts) throw new Error(`${label}: ${s.non2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts — the numbers would not mean anything`);
  return s;
}

/** A run that other work disturbed (more than 0.15 of a core) is repeated, up to three tries; the last one counts and says so. */
const DISTURBED = 0.15;
async function measure(label, target, makeOptions, times) {
  for (let attempt = 1; ; attempt += 1) {
    const s = await measureOnce(label, target, makeOptions, times);
    s.disturbed = s.other !== null && s.other > DISTURBED;
    if (!s.disturbed || attempt === 3) return s;
    log('  (disturbed by other processes: measuring again)');
  }
}

/** Status lookups with the settings' warm-up and duration. */
const lookupRun = (label, target, port, apiKey) => measure(label, target, (seconds) => lookupOptions(port, apiKey, seconds), { warmup: S.warmup, duration: S.duration });

module.exports = { ROOT, S, TARGET, DISTURBED, median, mb, log, serviceEnv, startChild, measure, lookupRun };
