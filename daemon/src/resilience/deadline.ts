/**
 * Bounds a store call in time: a hung database (a held lock, a frozen server, a dead TCP peer)
 * must never hang a call. The call itself goes on in the background (knex cannot cancel it);
 * whatever it does later is harmless because every write it could finish is idempotent per
 * uniqueid and the journal replays through the same idempotent operations.
 */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what}: no answer from the database within ${ms} ms`);
  }
}

/** The database could not serve a read (down, failing or too slow) and no fallback applied. */
export class DbUnavailable extends Error {
  override name = 'DbUnavailable';
}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
