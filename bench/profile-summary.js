'use strict';
/**
 * Reads a V8 .cpuprofile (from the inspector or --cpu-prof) and says where the time went: self
 * time by function, inclusive time by function (each function counted once per sample, so
 * recursion does not inflate it), and self time by origin (an npm package, a file of dist/src,
 * Node internals, GC, idle).
 */
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');

function shortUrl(url) {
  if (!url) return '';
  return url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
}

/** Native frames (no url) are named after the nearest JavaScript caller: `get` alone says nothing. */
function origin(node, parentOf) {
  const url = shortUrl(node.callFrame.url);
  const name = node.callFrame.functionName;
  if (!url) {
    if (name.startsWith('(')) return name;
    for (let cur = parentOf(node); cur; cur = parentOf(cur)) {
      if (cur.callFrame.url) return `${origin(cur, parentOf)} (native ${name || 'anonymous'})`;
    }
    return `(native) ${name || 'anonymous'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('dist/src/')) return url.replace(/\.js$/, '.ts').replace(/^dist\//, '');
  return url;
}

function frameKey(node) {
  const f = node.callFrame;
  const url = shortUrl(f.url);
  return `${f.functionName || '(anonymous)'}${url ? ` ${url}:${f.lineNumber + 1}` : ''}`;
}

function summariseProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const origins = new Map();
  let total = 0;
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  // Samples inside bench/ code (the inspector call that stops the profiler) are not the service's.
  const isBench = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (shortUrl(byId.get(cur).callFrame.url).startsWith('bench/')) return true;
    return false;
  };
  profile.samples.forEach((id, i) => {
    if (isBench(id)) return;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const leaf = byId.get(id);
    add(self, frameKey(leaf), us);
    add(origins, origin(leaf, (n) => byId.get(parent.get(n.id))), us);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const key = frameKey(byId.get(cur));
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, us);
    }
  });
  const top = (map, n) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, us]) => ({ key, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, self: top(self, 25), inclusive: top(inclusive, 40), origins: top(origins, 20) };
}

function profileMarkdown(summary, title) {
  const pct = (s) => `${(s * 100).toFixed(1)} %`;
  const table = (rows, head) => [`| ${head} | ms | share |`, '|---|---:|---:|', ...rows.map((r) => `| \`${r.key.replace(/\|/g, '\\|')}\` | ${r.ms.toFixed(0)} | ${pct(r.share)} |`)].join('\n');
  return [
    `# ${title}`,
    '',
    `Sampled time: ${summary.totalMs.toFixed(0)} ms.`,
    '',
    '## Self time by origin',
    '',
    table(summary.origins, 'origin'),
    '',
    '## Self time by function (top 25)',
    '',
    table(summary.self, 'function'),
    '',
    '## Inclusive time by function (top 40)',
    '',
    table(summary.inclusive, 'function'),
    '',
  ].join('\n');
}

module.exports = { summariseProfile, profileMarkdown };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile>\n');
    process.exit(2);
  }
  process.stdout.write(profileMarkdown(summariseProfile(JSON.parse(readFileSync(file, 'utf8'))), file));
}
