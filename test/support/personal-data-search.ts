import { isCluster, type RedisConnection } from '@leadrelay/queue';
import type pg from 'pg';

/** Where a needle was found: `table.column` in PostgreSQL, or a Redis key (or its name). */
export type Finding = string;

/**
 * Every text, varchar, char, json and jsonb column of every table in the public schema, searched
 * for each needle (case-insensitive, anywhere in the value).
 */
export async function findInPostgres(sql: pg.Client, needles: readonly string[]): Promise<Finding[]> {
  const { rows: columns } = await sql.query<{ table_name: string; column_name: string }>(`
    SELECT c.table_name, c.column_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = 'public' AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb') OR c.udt_name IN ('_text', '_varchar'))
    ORDER BY 1, 2`);
  const findings: Finding[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const needle of needles) {
      const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}" WHERE "${column}"::text ILIKE '%' || $1 || '%'`, [needle]);
      if (rows[0]!.n !== '0') findings.push(`${table}.${column} holds "${needle}" (${rows[0]!.n} rows)`);
    }
  }
  return findings;
}

/**
 * Every Redis key under `prefix` (on a cluster: on every primary, BullMQ's `{prefix}` ones too),
 * its name and its whole value whatever its type, searched for each needle.
 */
export async function findInRedis(redis: RedisConnection, prefix: string, needles: readonly string[]): Promise<Finding[]> {
  const keys: string[] = [];
  for (const node of isCluster(redis) ? redis.nodes('master') : [redis]) {
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0';
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
  }
  const findings: Finding[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    let value: unknown;
    if (type === 'string') value = await redis.get(key);
    else if (type === 'hash') value = await redis.hgetall(key);
    else if (type === 'list') value = await redis.lrange(key, 0, -1);
    else if (type === 'set') value = await redis.smembers(key);
    else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    else if (type === 'stream') value = await redis.xrange(key, '-', '+');
    else value = `(type ${type})`;
    const text = `${key} ${JSON.stringify(value)}`.toLowerCase();
    for (const needle of needles) if (text.includes(needle.toLowerCase())) findings.push(`${key} (${type}) holds "${needle}"`);
  }
  return findings;
}
