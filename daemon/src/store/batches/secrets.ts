/**
 * PINs and voucher codes for batches: digits from the operating system's CSPRNG
 * (crypto.randomInt, no modulo bias), unique among themselves and against what the database
 * already holds, and stored only as their keyed hash (see ../pin.ts).
 */
import { randomInt } from 'node:crypto';
import type { PinHasher } from '../pin.js';

export function randomDigits(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(randomInt(10));
  return s;
}

export interface Secret {
  plain: string;
  hash: string;
}

/** Hashes are looked up in chunks this big (an IN list well below every driver's limit). */
const CHUNK = 500;

/**
 * `count` secrets of `length` digits whose hashes none of `taken` (the hashes the database
 * already has among those asked) holds. Collisions are drawn again; after 20 rounds the length
 * is too short for the batch and the caller is told so.
 */
export async function uniqueSecrets(
  count: number,
  length: number,
  hash: PinHasher,
  taken: (hashes: string[]) => Promise<Set<string>>,
): Promise<Secret[]> {
  const chosen = new Map<string, Secret>();
  for (let round = 0; chosen.size < count; round++) {
    if (round >= 20) throw new RangeError(`${length} digits are too few for ${count} unique codes`);
    const fresh = new Map<string, Secret>();
    while (chosen.size + fresh.size < count) {
      const plain = randomDigits(length);
      const h = hash(plain);
      if (!chosen.has(h)) fresh.set(h, { plain, hash: h });
    }
    const list = [...fresh.values()];
    for (let i = 0; i < list.length; i += CHUNK) {
      const part = list.slice(i, i + CHUNK);
      const used = await taken(part.map((f) => f.hash));
      for (const f of part) if (!used.has(f.hash)) chosen.set(f.hash, f);
    }
  }
  return [...chosen.values()];
}
