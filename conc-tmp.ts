import pg from 'pg';
import { migrate } from './src/runtime/migrate.js';
import { ensureDatabaseExists } from './src/runtime/database.js';
async function lockedMigrate(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [0x5741594d]);
    return await migrate(url);
  } finally {
    await c.end();
  }
}
for (let round = 0; round < 5; round++) {
  const url = `postgresql://postgres@127.0.0.1:5432/wmx_conc_${process.pid}_${round}`;
  await ensureDatabaseExists(url);
  const res = await Promise.allSettled(Array.from({ length: 6 }, () => lockedMigrate(url)));
  const summary = res.map((r) => (r.status === 'fulfilled' ? JSON.stringify(r.value) : 'ERR ' + String((r.reason as Error).message).slice(0, 300)));
  console.log('ROUND', round, JSON.stringify(summary));
}
process.exit(0);
