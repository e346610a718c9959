'use strict';
/**
 * The real service in its own process (forked by bench/run.js), so the load generator never shares
 * its event loop. Built exactly as src/main.ts builds it (loadConfig → buildContainer → startServer),
 * configured by the environment run.js passes. Before it listens it seeds BENCH_SUBJECTS subjects
 * (REF-00000 …), each with one signed request of the real form, through the store port.
 *
 * IPC in:  {type:'rss'} · {type:'cpu'} · {type:'log-level', level} · {type:'profile-start'} · {type:'profile-stop', file} · {type:'stop'}
 * IPC out: {type:'ready', port, apiKey, seedMs, subjects} · {type:'rss', rss, heapUsed} · {type:'cpu', us} · {type:'log-level'}
 *          · {type:'profile-start'} · {type:'profile-stop', file} · {type:'error', message}
 */
const { writeFileSync } = require('node:fs');
const inspector = require('node:inspector');

const { loadConfig } = require('../dist/src/config');
const { buildContainer } = require('../dist/src/container');
const { startServer } = require('../dist/src/http/server');
const { bootstrapDemo } = require('../dist/src/organisations/bootstrap-demo');
const { seedSubjects } = require('./seed');

async function main() {
  const subjects = Number(process.env.BENCH_SUBJECTS ?? 10_000);
  const config = loadConfig(process.env);
  const container = buildContainer(config);
  const demo = await bootstrapDemo(container);
  if (!demo) throw new Error('the bench needs an empty DATA_DIR');
  const seedMs = await seedSubjects(container, demo.organisationId, subjects);

  const server = await startServer(container.app, 0, '127.0.0.1');
  process.send({ type: 'ready', port: server.port, apiKey: demo.secret, seedMs, subjects });

  let session = null;
  const post = (s, method, params) => new Promise((ok, fail) => s.post(method, params ?? {}, (err, result) => (err ? fail(err) : ok(result))));
  process.on('message', async (msg) => {
    if (msg.type === 'rss') {
      const m = process.memoryUsage();
      process.send({ type: 'rss', rss: m.rss, heapUsed: m.heapUsed });
    } else if (msg.type === 'cpu') {
      const c = process.cpuUsage();
      process.send({ type: 'cpu', us: c.user + c.system });
    } else if (msg.type === 'log-level') {
      container.logger.level = msg.level;
      process.send({ type: 'log-level', level: container.logger.level });
    } else if (msg.type === 'profile-start') {
      // The CPU profile covers only the load the parent sends between start and stop, not seeding.
      session = new inspector.Session();
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
      await post(session, 'Profiler.start');
      process.send({ type: 'profile-start' });
    } else if (msg.type === 'profile-stop') {
      const { profile } = await post(session, 'Profiler.stop');
      session.disconnect();
      writeFileSync(msg.file, JSON.stringify(profile));
      process.send({ type: 'profile-stop', file: msg.file });
    } else if (msg.type === 'stop') {
      await server.stop();
      await container.close();
      process.exit(0);
    }
  });
}

main().catch((error) => {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
