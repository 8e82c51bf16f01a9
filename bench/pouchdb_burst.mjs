// The same reps' days pushed through PouchDB into pouchdb-server, for bench/sync_burst.py.
// Each rep applies its day's operations to a local PouchDB (on disk), then replicates to the
// server; the replication time is the push. Prints one JSON line.
//   node pouchdb_burst.mjs SERVER_URL WORKDIR REPS OPS CONCURRENCY
import PouchDB from 'pouchdb';
import { randomUUID } from 'node:crypto';

const [server, workdir, reps, opsPerRep, concurrency] = process.argv.slice(2);
const REPS = Number(reps), OPS = Number(opsPerRep), CONC = Number(concurrency);

function day(rep) {
  // Mirrors bench/sync_burst.py: a note per visit, then edits of text, tags and pin.
  const notes = Math.max(1, Math.floor(OPS * 0.15));
  const ops = [];
  for (let i = 0; i < notes; i++) ops.push({ kind: 'create', id: `n-${rep}-${i}`, text: `store visit ${i} 冰柜检查` });
  for (let i = notes; i < OPS; i++) ops.push({ kind: 'edit', id: `n-${rep}-${i % notes}`, text: `edit ${i} 已整理`, tag: `t${i % 7}` });
  return ops;
}

async function runRep(rep) {
  const local = new PouchDB(`${workdir}/rep-${rep}-${randomUUID()}`);
  const docs = new Map();
  for (const op of day(rep)) {
    if (op.kind === 'create') {
      const res = await local.put({ _id: op.id, text: op.text, tags: [] });
      docs.set(op.id, { _id: op.id, _rev: res.rev, text: op.text, tags: [] });
    } else {
      const doc = docs.get(op.id);
      doc.text = op.text;
      if (!doc.tags.includes(op.tag)) doc.tags.push(op.tag);
      const res = await local.put(doc);
      doc._rev = res.rev;
    }
  }
  const remote = new PouchDB(`${server}/rep-${rep}`);
  const started = performance.now();
  await local.replicate.to(remote, { batch_size: 200 });
  const ms = performance.now() - started;
  await local.destroy();
  return ms;
}

const latencies = [];
let next = 0;
const started = performance.now();
await Promise.all(Array.from({ length: CONC }, async () => {
  while (next < REPS) { const rep = next++; latencies.push(await runRep(rep)); }
}));
// Throughput counts only the replication (push) time, summed per worker like the Python side.
const pushSeconds = latencies.reduce((a, b) => a + b, 0) / 1000 / CONC;
console.log(JSON.stringify({ reps: REPS, ops: REPS * OPS, wall_s: (performance.now() - started) / 1000,
  push_s: pushSeconds, ops_per_s: (REPS * OPS) / pushSeconds, latencies_ms: latencies }));
