/** What the numbers were measured on: date, CPU, cores, memory, Node, MariaDB, the command. */
import os from 'node:os';
import { serverVersion } from './bench-db.js';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  database: string;
  command: string;
}

export async function describeMachine(dbUrl: string, argv: string[]): Promise<Machine> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    database: `MariaDB/MySQL ${await serverVersion(dbUrl)}`,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
  };
}
