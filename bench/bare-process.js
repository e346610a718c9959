'use strict';
/**
 * The baseline: a bare Express 5 app with only the status route, answering a JSON of the same shape
 * and size as the real service (a real answer, fetched by run.js, passed as argv[2]; only the
 * subject reference is swapped in, which has the same length for every REF-nnnnn). No middleware,
 * no store: what Express itself costs on this machine in this run. ETags off, as in the service.
 *
 * IPC in: {type:'rss'} · {type:'cpu'} · {type:'stop'}
 * IPC out: {type:'ready', port} · {type:'rss', rss, heapUsed} · {type:'cpu', us}
 */
const express = require('express');

const sample = JSON.parse(process.argv[2]);
const app = express();
// The service turns ETags off (src/http/app.ts); the baseline does too, or it would pay for a hash the service does not.
app.set('etag', false);
app.get('/api/v1/subjects/:reference/consent', (req, res) => {
  res.json({ ...sample, subjectReference: req.params.reference });
});

const server = app.listen(0, '127.0.0.1', () => {
  server.keepAliveTimeout = 65_000;
  process.send({ type: 'ready', port: server.address().port });
});

process.on('message', (msg) => {
  if (msg.type === 'rss') {
    const m = process.memoryUsage();
    process.send({ type: 'rss', rss: m.rss, heapUsed: m.heapUsed });
  } else if (msg.type === 'cpu') {
    const c = process.cpuUsage();
    process.send({ type: 'cpu', us: c.user + c.system });
  } else if (msg.type === 'stop') {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  }
});
