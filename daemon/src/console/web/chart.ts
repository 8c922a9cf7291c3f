/**
 * A bar chart of one value per minute as inline SVG (no chart library, nothing from another
 * origin). Bars are SVG attributes, not style attributes, so the strict CSP has nothing to say.
 * A null minute (not sampled) is left empty, so a gap never reads as zero.
 */
import { h } from 'preact';

const W = 600;
const H = 100;

export function MinuteBars({
  values,
  label,
  testid,
}: {
  values: Array<number | null>;
  label: string;
  testid: string;
}) {
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const step = W / Math.max(1, values.length);
  return h(
    'figure',
    { class: 'chart', 'data-testid': testid },
    h(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
      h('title', null, label),
      values.map((v, i) => {
        const height = v === null ? 0 : Math.max(v > 0 ? 2 : 0.5, (v / max) * (H - 4));
        return h('rect', {
          x: i * step + 1,
          y: H - height,
          width: Math.max(1, step - 2),
          height,
          class: v === null ? 'gap' : 'bar',
          'data-minute': values.length - 1 - i,
          'data-value': v === null ? '' : v,
        });
      }),
    ),
    h(
      'figcaption',
      null,
      h('span', null, '60 min ago'),
      h('span', null, `max ${max}`),
      h('span', null, 'now'),
    ),
  );
}
