/** A strict-enough parser of the Prometheus text exposition format, for tests. */
export interface Exposition {
  help: Map<string, string>;
  types: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const out: Exposition = { help: new Map(), types: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^# HELP (\S+) (.*)$/.exec(line))) out.help.set(m[1]!, m[2]!);
    else if ((m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line)))
      out.types.set(m[1]!, m[2]!);
    else if (line.startsWith('#')) continue;
    else if ((m = SAMPLE.exec(line))) {
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(LABEL))
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
      const raw = m[3]!;
      const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
      if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad sample value: ${line}`);
      out.samples.push({ name: m[1]!, labels, value });
    } else throw new Error(`unparseable exposition line: ${line}`);
  }
  return out;
}

/** The value of the one sample with exactly these labels. */
export function sample(e: Exposition, name: string, labels: Record<string, string>): number {
  const found = e.samples.filter(
    (s) =>
      s.name === name &&
      JSON.stringify(Object.entries(s.labels).sort()) ===
        JSON.stringify(Object.entries(labels).sort()),
  );
  if (found.length !== 1)
    throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}
