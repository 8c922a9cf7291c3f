/**
 * One time representation on both databases: UTC text 'YYYY-MM-DD HH:MM:SS.mmm'.
 * MySQL/MariaDB store it in DATETIME(3) (the session runs with time_zone '+00:00' and mysql2
 * returns it as text, `dateStrings`); SQLite stores it as TEXT, which sorts and compares
 * correctly because the format is fixed-width. Repositories convert at the boundary only.
 */
const DB_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/;

export function toDbTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromDbTime(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const m = DB_TIME.exec(value);
    if (m) {
      const [, y, mo, d, h, mi, s, frac = '0'] = m;
      const ms = Number(frac.padEnd(3, '0').slice(0, 3));
      return new Date(
        Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms),
      );
    }
  }
  throw new RangeError(`unexpected time value from database: ${String(value)}`);
}

/** fromDbTime for NOT NULL columns. */
export function requiredTime(value: unknown): Date {
  const d = fromDbTime(value);
  if (!d) throw new RangeError('missing time value from database');
  return d;
}
