// docs/compatibility.md: one row per scenario (client x scenario), one column per server.
import type { Scenario, TargetId } from './scenario.ts';

export type Status = 'pass' | 'fail' | 'not-run';

export interface Outcome {
  readonly status: Status;
  /** Why it failed or was not run: one line. */
  readonly reason?: string;
  readonly ms?: number;
  readonly notes: readonly string[];
  readonly observations: ReadonlyMap<string, string>;
}

export interface TargetReport {
  readonly id: TargetId;
  readonly title: string;
  /** Start (and for Kafka, storage format) until Metadata answered, or why it was not run. */
  readonly start: string;
  readonly outcomes: ReadonlyMap<Scenario, Outcome>;
}

export interface Report {
  readonly date: Date;
  readonly runtimeMs: number;
  readonly scenarios: readonly Scenario[];
  readonly targets: readonly TargetReport[];
  readonly versions: Readonly<Record<string, string>>;
  readonly serverNotes: readonly string[];
  readonly knownDifferences: readonly string[];
}

export function cell(outcome: Outcome | undefined): string {
  if (outcome === undefined) return '—';
  const notes = outcome.notes.length > 0 ? ` · ${outcome.notes.join(' · ')}` : '';
  const time = outcome.ms === undefined ? '' : ` ${(outcome.ms / 1000).toFixed(1)} s`;
  switch (outcome.status) {
    case 'pass':
      return escape(`✅${time}${notes}`);
    case 'fail':
      return escape(`❌ ${outcome.reason ?? 'failed'}${notes}`);
    case 'not-run':
      return escape(`not run: ${outcome.reason ?? ''}`);
  }
}

export function renderMarkdown(report: Report): string {
  const { targets, scenarios } = report;
  const lines: string[] = [];
  lines.push('# Compatibility');
  lines.push('');
  lines.push('<!-- Written by `npm run test:conformance` (test/conformance/run.ts). Do not edit by hand: run it again. -->');
  lines.push('');
  lines.push(
    'The same scenarios run against Apache Kafka 4.1.1 and the embedded broker, driven by independent ' +
      'client implementations. A scenario fails the run if it fails on either server, or if both pass but ' +
      'observed different values (shown as "differs").',
  );
  lines.push('');
  const passed = (t: TargetReport): string => {
    const all = [...t.outcomes.values()];
    const ran = all.filter((o) => o.status !== 'not-run');
    return ran.length === 0 ? 'not run' : `${ran.filter((o) => o.status === 'pass').length}/${ran.length} passed`;
  };
  lines.push(
    `Last run: ${report.date.toISOString().replace('T', ' ').slice(0, 16)} UTC, ${scenarios.length} scenarios, ` +
      `${(report.runtimeMs / 1000).toFixed(0)} s in all; ` +
      targets.map((t) => `${t.title}: ${passed(t)}`).join('; ') +
      '.',
  );
  lines.push('');
  lines.push(`| Client | Scenario | ${targets.map((t) => t.title).join(' | ')} |`);
  lines.push(`|---|---|${targets.map(() => '---').join('|')}|`);
  for (const s of scenarios) {
    lines.push(`| ${escape(s.client)} | ${escape(s.name)} | ${targets.map((t) => cell(t.outcomes.get(s))).join(' | ')} |`);
  }
  lines.push('');
  lines.push('## Servers');
  lines.push('');
  for (const t of targets) lines.push(`- **${t.title}**: ${t.start}`);
  for (const n of report.serverNotes) lines.push(`- ${n}`);
  lines.push('');
  lines.push('## Known differences');
  lines.push('');
  for (const d of report.knownDifferences) lines.push(`- ${d}`);
  lines.push('');
  lines.push('## Versions');
  lines.push('');
  lines.push('| Component | Version |');
  lines.push('|---|---|');
  for (const [name, version] of Object.entries(report.versions)) lines.push(`| ${escape(name)} | ${escape(version)} |`);
  lines.push('');
  lines.push('## Running it');
  lines.push('');
  lines.push(
    '`npm run test:conformance` installs what is missing (scripts/conformance/install.sh: kcat, kafka-python, ' +
      'the Apache Kafka jars through Maven) and runs every scenario against both servers, then rewrites this page. ' +
      '`node --import tsx test/conformance/run.ts --only kcat --target apache-kafka --verbose` runs a subset ' +
      '(a subset does not rewrite this page unless `--write` is given).',
  );
  lines.push('');
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
