/**
 * CPU time of the processes that share the machine during a step: this bench process (simulator
 * and load generator), the daemon (from its probe) and the database server (/proc/<pid>/stat), so
 * a result can say which of them ran out of CPU.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** pid of mariadbd/mysqld on this machine, or null (remote database, or not Linux). */
export function findDatabasePid(): number | null {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        if (comm === 'mariadbd' || comm === 'mysqld') return Number(entry);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

/** utime + stime of a process in µs, or null. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export function selfCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** CPU use in percent of one core between two readings taken `wallMs` apart. */
export function percentOfCore(
  beforeUs: number | null,
  afterUs: number | null,
  wallMs: number,
): number | null {
  if (beforeUs === null || afterUs === null || wallMs <= 0) return null;
  return ((afterUs - beforeUs) / 1000 / wallMs) * 100;
}
