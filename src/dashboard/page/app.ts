/**
 * The dashboard page: loads the history, then follows the event stream; one uPlot chart per
 * widget, redrawn on each sample; the range selector picks how much history is shown. The
 * server is read-only, so the page only ever GETs.
 */
import uPlot from 'uplot';
import { CLUSTER_SECTION, FUNCTION_WIDGETS, LAG_SECTION, STREAM_WIDGETS, parseSeriesId, seriesLabel, seriesMatches, type ParsedSeries, type WidgetSpec } from './widgets.ts';

interface HistoryJson {
  t: number[];
  series: Record<string, (number | null)[]>;
}

interface SourceStatus {
  ok: boolean;
  error?: string;
  lastOk?: number;
}

interface SampleEvent {
  t: number;
  values: Record<string, number>;
  sources: Record<string, SourceStatus>;
}

/** Okabe and Ito's palette, readable with every common colour-vision deficiency. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const MAX_HISTORY_MS = 3_600_000;

const state = {
  t: [] as number[],
  series: new Map<string, (number | null)[]>(),
  rangeMs: 15 * 60_000,
};

interface Chart {
  readonly widget: WidgetSpec;
  readonly element: HTMLElement;
  readonly owner?: { label: string; value: string };
  plot?: uPlot;
  ids: string[];
}

const charts = new Map<string, Chart>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function formatValue(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return '-';
  const abs = Math.abs(v);
  const scaled = abs >= 1e9 ? `${(v / 1e9).toFixed(1)}G` : abs >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : abs >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : abs >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(2);
  return unit === '' ? scaled : `${scaled} ${unit}`;
}

function widgetBox(key: string, widget: WidgetSpec, owner?: { label: string; value: string }): HTMLElement {
  const box = el('section', { class: 'widget', 'data-widget': key });
  box.append(el('h3', {}, widget.unit === '' ? widget.title : `${widget.title} (${widget.unit})`));
  box.append(el('div', { class: 'chart' }));
  box.append(el('p', { class: 'empty' }, 'No data yet'));
  charts.set(key, { widget, element: box, ...(owner === undefined ? {} : { owner }), ids: [] });
  return box;
}

function section(id: string, title: string): HTMLElement {
  const s = el('div', { class: 'section', id: `section-${id}` });
  s.append(el('h2', {}, title));
  s.append(el('div', { class: 'grid' }));
  return s;
}

function buildStaticLayout(root: HTMLElement): void {
  for (const spec of [CLUSTER_SECTION, LAG_SECTION]) {
    const s = section(spec.id, spec.title);
    const grid = s.querySelector('.grid');
    for (const w of spec.widgets) grid?.append(widgetBox(`${spec.id}/${w.id}`, w));
    root.append(s);
  }
  root.append(section('functions', 'Functions (local Lambda)'));
  root.append(section('streams', 'Delivery streams (local Firehose)'));
}

/** Adds a panel for each function or stream seen in the series, once. */
function ensurePanels(parsed: readonly ParsedSeries[]): void {
  const panels: [string, string, readonly WidgetSpec[]][] = [['function', 'functions', FUNCTION_WIDGETS], ['stream', 'streams', STREAM_WIDGETS]];
  for (const [label, sectionId, widgets] of panels) {
    const names = new Set(parsed.map((p) => p.labels[label]).filter((v): v is string => v !== undefined));
    for (const name of [...names].sort()) {
      const key = `${sectionId}/${name}`;
      if (document.querySelector(`[data-panel="${CSS.escape(key)}"]`) !== null) continue;
      const panel = el('div', { class: 'panel', 'data-panel': key });
      panel.append(el('h3', { class: 'panel-title' }, name));
      const grid = el('div', { class: 'grid' });
      for (const w of widgets) grid.append(widgetBox(`${key}/${w.id}`, w, { label, value: name }));
      panel.append(grid);
      document.querySelector(`#section-${sectionId}`)?.append(panel);
    }
  }
}

function visibleSlice(): { from: number; t: number[] } {
  const since = (state.t.at(-1) ?? Date.now()) - state.rangeMs;
  let from = 0;
  while (from < state.t.length && (state.t[from] ?? 0) < since) from++;
  return { from, t: state.t.slice(from) };
}

function render(): void {
  const parsed = [...state.series.keys()].map((id) => ({ id, ...parseSeriesId(id) }));
  ensurePanels(parsed);
  const { from, t } = visibleSlice();
  const xs = t.map((ms) => ms / 1000);
  for (const chart of charts.values()) {
    const owner = chart.owner;
    const ids = parsed.filter((p) => seriesMatches(chart.widget, p, owner)).map((p) => p.id).sort();
    const columns = ids.map((id) => (state.series.get(id) ?? []).slice(from));
    const hasData = columns.some((c) => c.some((v) => v !== null));
    chart.element.classList.toggle('has-data', hasData);
    if (!hasData) continue;
    const limit = chart.widget.limit;
    const data = [xs, ...columns, ...(limit === undefined ? [] : [xs.map(() => limit)])] as uPlot.AlignedData;
    if (chart.plot !== undefined && ids.join('\n') === chart.ids.join('\n')) {
      chart.plot.setData(data);
      continue;
    }
    chart.plot?.destroy();
    chart.ids = ids;
    const target = chart.element.querySelector<HTMLElement>('.chart');
    if (target === null) continue;
    const unit = chart.widget.unit;
    chart.plot = new uPlot(
      {
        width: Math.max(240, target.clientWidth),
        height: 180,
        legend: { live: true },
        scales: { x: { time: true } },
        axes: [{}, { size: 60, values: (_u, splits) => splits.map((v) => formatValue(v, unit === '%' ? '%' : '')) }],
        series: [
          {},
          ...ids.map((id, i) => ({ label: seriesLabel(chart.widget, parseSeriesId(id), owner?.label), stroke: PALETTE[i % PALETTE.length] ?? '#000', width: 2, value: (_u: uPlot, v: number | null) => formatValue(v, unit) })),
          ...(limit === undefined ? [] : [{ label: `limit ${limit}${unit === '%' ? '%' : ''}`, stroke: '#555', dash: [6, 4], width: 1 }]),
        ],
      },
      data,
      target,
    );
  }
}

function append(event: SampleEvent): void {
  state.t.push(event.t);
  const length = state.t.length;
  for (const [id, column] of state.series) column.push(event.values[id] ?? null);
  for (const [id, value] of Object.entries(event.values)) {
    if (state.series.has(id)) continue;
    const column: (number | null)[] = Array.from({ length }, () => null);
    column[length - 1] = value;
    state.series.set(id, column);
  }
  // Keep at most an hour, like the server.
  const since = event.t - MAX_HISTORY_MS;
  let drop = 0;
  while (drop < state.t.length && (state.t[drop] ?? 0) < since) drop++;
  if (drop > 0) {
    state.t.splice(0, drop);
    for (const column of state.series.values()) column.splice(0, drop);
  }
}

function showSources(sources: Record<string, SourceStatus>, t: number): void {
  const box = document.querySelector('#sources');
  if (box === null) return;
  box.replaceChildren(
    ...Object.entries(sources).map(([name, s]) => {
      const item = el('span', { class: `source ${s.ok ? 'ok' : 'down'}`, 'data-source': name, title: s.error ?? 'ok' }, s.ok ? `${name}: ok` : `${name}: down (${s.error ?? 'unknown'})`);
      return item;
    }),
  );
  const updated = document.querySelector('#updated');
  if (updated !== null) updated.textContent = `Updated ${new Date(t).toLocaleTimeString()}`;
}

async function start(): Promise<void> {
  const root = document.querySelector<HTMLElement>('#widgets');
  if (root === null) return;
  buildStaticLayout(root);
  const range = document.querySelector<HTMLSelectElement>('#range');
  range?.addEventListener('change', () => {
    state.rangeMs = Number(range.value) * 1000;
    render();
  });
  if (range !== null) state.rangeMs = Number(range.value) * 1000;

  const history = (await (await fetch(`api/history?range=${MAX_HISTORY_MS / 1000}`)).json()) as HistoryJson & { sources: Record<string, SourceStatus> };
  state.t = history.t;
  for (const [id, column] of Object.entries(history.series)) state.series.set(id, column);
  showSources(history.sources, history.t.at(-1) ?? Date.now());
  render();

  const events = new EventSource('api/events');
  events.addEventListener('sample', (message: MessageEvent<string>) => {
    const event = JSON.parse(message.data) as SampleEvent;
    // After a reconnect the server may send a sample the history already has.
    if (event.t <= (state.t.at(-1) ?? 0)) return;
    append(event);
    showSources(event.sources, event.t);
    render();
  });
  events.addEventListener('error', () => {
    const updated = document.querySelector('#updated');
    if (updated !== null) updated.textContent = 'Connection to the dashboard server lost; reconnecting…';
  });
  window.addEventListener('resize', () => {
    for (const chart of charts.values()) {
      const target = chart.element.querySelector<HTMLElement>('.chart');
      if (chart.plot !== undefined && target !== null) chart.plot.setSize({ width: Math.max(240, target.clientWidth), height: 180 });
    }
  });
}

void start();
