/**
 * Grouped bar charts as standalone SVG, for docs/benchmarks.md: one group per case (a produce
 * shape, a latency rate), one bar per server, each bar labelled with its value. No dependency:
 * the markup is a few rectangles and text elements.
 */

export interface ChartSeries {
  readonly name: string;
  readonly values: readonly number[];
}

export interface BarChart {
  readonly title: string;
  /** What the value axis measures, with its unit. */
  readonly unit: string;
  readonly groups: readonly string[];
  readonly series: readonly ChartSeries[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#7f7f7f', '#2ca02c', '#9467bd'];
const WIDTH = 760;
const PLOT_TOP = 56;
const PLOT_HEIGHT = 240;
const LEFT = 60;
const RIGHT = 20;
const LEGEND_ROW = 18;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Three significant digits at most, with k and M for large values. */
export function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100) return value.toFixed(0);
  return value.toPrecision(3).replace(/\.?0+$/, '');
}

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten. */
function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export function renderBarChart(chart: BarChart): string {
  const values = chart.series.flatMap((s) => s.values.filter(Number.isFinite));
  const top = niceMax(Math.max(0, ...values));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const groupWidth = plotWidth / Math.max(1, chart.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, chart.series.length);
  const baseline = PLOT_TOP + PLOT_HEIGHT;
  const height = baseline + 40 + chart.series.length * LEGEND_ROW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(chart.title)}</text>`,
    `<text x="${LEFT}" y="40" fill="#555">${escape(chart.unit)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = baseline - (PLOT_HEIGHT * i) / 4;
    out.push(`<line x1="${LEFT}" y1="${y}" x2="${WIDTH - RIGHT}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y + 4}" text-anchor="end" fill="#555">${shortNumber((top * i) / 4)}</text>`);
  }
  chart.groups.forEach((group, g) => {
    const x0 = LEFT + g * groupWidth + groupWidth * 0.1;
    chart.series.forEach((series, s) => {
      const value = series.values[g] ?? NaN;
      const x = x0 + s * barWidth;
      const h = Number.isFinite(value) ? (PLOT_HEIGHT * value) / top : 0;
      out.push(`<rect x="${x.toFixed(1)}" y="${(baseline - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[s % COLORS.length]}"/>`);
      out.push(`<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(baseline - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${shortNumber(value)}</text>`);
    });
    out.push(`<text x="${(LEFT + g * groupWidth + groupWidth / 2).toFixed(1)}" y="${baseline + 16}" text-anchor="middle">${escape(group)}</text>`);
  });
  out.push(`<line x1="${LEFT}" y1="${baseline}" x2="${WIDTH - RIGHT}" y2="${baseline}" stroke="#333"/>`);
  chart.series.forEach((series, s) => {
    const y = baseline + 34 + s * LEGEND_ROW;
    out.push(`<rect x="${LEFT}" y="${y - 9}" width="12" height="12" fill="${COLORS[s % COLORS.length]}"/>`);
    out.push(`<text x="${LEFT + 18}" y="${y + 1}">${escape(series.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
