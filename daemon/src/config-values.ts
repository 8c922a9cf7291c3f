/**
 * Reading one setting: the typed, range-checked parsers every settings module shares, and the
 * one error they all throw, so that a bad value always stops start-up with a single line naming it.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`invalid configuration ${setting}: ${problem}`);
  }
}

export type SettingSource = Record<string, string | undefined>;

export function intSetting(
  src: SettingSource,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  const raw = src[name]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `'${raw}' is not a whole number`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `${n} is outside ${min}..${max}`);
  return n;
}

export function boolSetting(src: SettingSource, name: string, def: boolean): boolean {
  const raw = src[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `'${raw}' is not a boolean (true/false)`);
}

export function oneOfSetting<T extends string>(
  src: SettingSource,
  name: string,
  def: T,
  allowed: readonly T[],
): T {
  const raw = src[name]?.trim();
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, `'${raw}' is not one of ${allowed.join(', ')}`);
  return raw as T;
}
