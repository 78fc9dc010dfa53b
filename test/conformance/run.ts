// Conformance runner: every scenario against Apache Kafka 4.1.1 and against the embedded broker,
// then docs/compatibility.md and an exit status (1 if a scenario failed on a server that ran, or if
// the two servers disagree on an observed value).
//
//   node --import tsx test/conformance/run.ts [--only TEXT]... [--target apache-kafka|embedded]
//                                             [--verbose] [--write | --no-write]
//
// The embedded broker (src/broker/broker.ts) is run only once that file exists; until then its
// column says so and does not fail the run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kafkaInstalled, KAFKA_VERSION, REPO_ROOT, runJavaTool, startApacheKafka } from '../../scripts/conformance/apache-kafka.ts';
import { embeddedBrokerMissing, startEmbedded } from '../../scripts/conformance/embedded.ts';
import { run as runProcess } from '../../scripts/conformance/process.ts';
import { metadata } from '../../scripts/conformance/probe.ts';
import type { RunningServer } from '../../scripts/conformance/server.ts';
import { knownDifferences } from './known-differences.ts';
import { renderMarkdown } from './report.ts';
import type { Outcome, Report, TargetReport } from './report.ts';
import type { Scenario, ScenarioContext, TargetId } from './scenario.ts';
import { dashboardScenarios } from './scenarios/dashboard.ts';
import { sdsUpSolutionScenarios } from './scenarios/sds-up-solution.ts';
import { eventSourceScenarios } from './scenarios/event-source.ts';
import { mixedGroupScenarios } from './scenarios/groups-mixed.ts';
import { javaGroupScenarios } from './scenarios/java-groups.ts';
import { javaToolScenarios } from './scenarios/java-tools.ts';
import { kafkaPythonScenarios } from './scenarios/kafka-python.ts';
import { kafkajsScenarios } from './scenarios/kafkajs.ts';
import { kcatScenarios } from './scenarios/kcat.ts';
import { platformaticCreateTopic, platformaticScenarios } from './scenarios/platformatic.ts';
import { restartScenarios } from './scenarios/restart.ts';
import { sdsAdminScenarios } from './scenarios/sds-admin.ts';
import { sdsToolScenarios } from './scenarios/sds-tools.ts';
import { securityAclScenarios } from './scenarios/security-acls.ts';
import { securityJavaSaslSslScenarios } from './scenarios/security-java-sasl-ssl.ts';
import { securityConfluentKafkaScenarios } from './scenarios/security-confluent-kafka.ts';
import { securityKafkaPythonScenarios } from './scenarios/security-kafka-python.ts';
import { securityKcatScenarios } from './scenarios/security-kcat.ts';
import { securityMtlsScenarios } from './scenarios/security-mtls.ts';
import { securityNegativeScenarios } from './scenarios/security-negative.ts';
import { versions } from './versions.ts';

export const scenarios: readonly Scenario[] = [
  ...javaToolScenarios,
  ...javaGroupScenarios,
  ...kcatScenarios,
  ...kafkaPythonScenarios,
  ...kafkajsScenarios,
  ...platformaticScenarios,
  ...mixedGroupScenarios,
  ...sdsAdminScenarios,
  ...sdsToolScenarios,
  ...eventSourceScenarios,
  ...dashboardScenarios,
  ...sdsUpSolutionScenarios,
  ...securityJavaSaslSslScenarios,
  ...securityKcatScenarios,
  ...securityKafkaPythonScenarios,
  ...securityConfluentKafkaScenarios,
  ...securityMtlsScenarios,
  ...securityAclScenarios,
  ...securityNegativeScenarios,
  ...restartScenarios,
];

interface Target {
  readonly id: TargetId;
  readonly title: string;
  /** Why this server cannot run here, and whether that fails the run. */
  unavailable(): { reason: string; fails: boolean } | null;
  start(): Promise<RunningServer>;
}

const targets: readonly Target[] = [
  {
    id: 'apache-kafka',
    title: `Apache Kafka ${KAFKA_VERSION}`,
    unavailable: () =>
      kafkaInstalled() ? null : { reason: 'Apache Kafka jars missing: run bash scripts/conformance/install.sh', fails: true },
    start: () => startApacheKafka({ security: true }),
  },
  {
    id: 'embedded',
    title: 'Embedded broker',
    unavailable: () => {
      const missing = embeddedBrokerMissing();
      return missing === null ? null : { reason: missing, fails: false };
    },
    start: () => startEmbedded({ security: true }),
  },
];

const DEFAULT_SCENARIO_TIMEOUT_MS = 60_000;
const DEFAULT_PROCESS_TIMEOUT_MS = 30_000;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    target: { type: 'string', multiple: true },
    verbose: { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
  },
});

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** One line for the table: the message, with the first inner error of an AggregateError or a cause. */
function firstLine(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof AggregateError && error.errors.length > 0) {
    const inner: unknown = error.errors[0];
    text += `: ${inner instanceof Error ? inner.message : String(inner)}`;
  } else if (error instanceof Error && error.cause instanceof Error && !text.includes(error.cause.message)) {
    text += `: ${error.cause.message}`;
  }
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 220 ? `${line.slice(0, 220)}…` : line;
}

async function runScenario(
  scenario: Scenario,
  target: Target,
  server: RunningServer,
  runTag: string,
  usedTopics: Set<string>,
): Promise<Outcome> {
  const controller = new AbortController();
  const observations = new Map<string, string>();
  const notes: string[] = [];
  let bootstrap = server.bootstrap;
  const ctx: ScenarioContext = {
    target: target.id,
    get bootstrap() {
      return bootstrap;
    },
    signal: controller.signal,
    sasl: server.sasl,
    security: server.security,
    topic(label) {
      const name = `${label}-${runTag}`;
      if (usedTopics.has(name)) throw new Error(`topic name ${name} used twice: give each scenario its own label`);
      usedTopics.add(name);
      return name;
    },
    createTopic: (name, partitions) => platformaticCreateTopic(bootstrap, name, partitions),
    async restart(options) {
      bootstrap = await server.restart(options);
      return bootstrap;
    },
    java: (mainClass, javaArgs, options = {}) =>
      runJavaTool(mainClass, javaArgs, {
        timeoutMs: options.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS,
        input: options.input,
        signal: controller.signal,
      }),
    exec: (file, execArgs, options = {}) =>
      runProcess(file, execArgs, {
        timeoutMs: options.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS,
        input: options.input,
        env: options.env,
        signal: controller.signal,
      }),
    observe(key, value) {
      observations.set(key, String(value));
    },
    note(text) {
      notes.push(text);
    },
    log(message) {
      if (args.verbose) say(`    ${message}`);
    },
    serverLog: (lines) => server.logTail(lines),
  };
  const timeoutMs = scenario.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  const running = scenario.run(bootstrap, ctx);
  running.catch(() => undefined); // a timed-out scenario may still reject later
  try {
    await Promise.race([running, timeout]);
    return { status: 'pass', ms: performance.now() - started, notes, observations };
  } catch (error) {
    if (args.verbose) say(`    ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { status: 'fail', reason: firstLine(error), ms: performance.now() - started, notes, observations };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function runTarget(target: Target, selected: readonly Scenario[]): Promise<TargetReport> {
  const outcomes = new Map<Scenario, Outcome>();
  const notRun = (reason: string, status: 'fail' | 'not-run'): TargetReport => {
    for (const s of selected) outcomes.set(s, { status, reason, notes: [], observations: new Map() });
    return { id: target.id, title: target.title, start: `not run: ${reason}`, outcomes };
  };
  const unavailable = target.unavailable();
  if (unavailable !== null) {
    say(`${target.title}: not run: ${unavailable.reason}`);
    return notRun(unavailable.reason, unavailable.fails ? 'fail' : 'not-run');
  }
  say(`${target.title}: starting`);
  let server: RunningServer;
  try {
    server = await target.start();
  } catch (error) {
    say(`${target.title}: did not start: ${error instanceof Error ? error.message : String(error)}`);
    return notRun(`did not start: ${firstLine(error)}`, 'fail');
  }
  const firstStartMs = server.startMs;
  say(`${target.title}: ready at ${server.bootstrap} in ${Math.round(firstStartMs)} ms`);
  const runTag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const usedTopics = new Set<string>();
  const ordered = [...selected.filter((s) => s.disruptive !== true), ...selected.filter((s) => s.disruptive === true)];
  // A server that stops answering fails the scenario that ran last; it is restarted once (hard),
  // or the scenarios after it fail too.
  const stillAnswering = async (after: Scenario | undefined): Promise<string | null> => {
    const alive = await metadata(server.host, server.port, 3000).then(
      () => true,
      () => false,
    );
    if (alive) return null;
    const last = after === undefined ? undefined : outcomes.get(after);
    if (after !== undefined && last !== undefined) {
      const reason = `the server stopped answering after this scenario${last.status === 'fail' ? `; ${last.reason ?? ''}` : ''}`;
      outcomes.set(after, { ...last, status: 'fail', reason });
      say(`  ❌ ${reason}`);
    }
    try {
      await server.restart({ hard: true });
      return null;
    } catch (error) {
      return `server down: ${firstLine(error)}`;
    }
  };
  try {
    let previous: Scenario | undefined;
    for (const scenario of ordered) {
      if (scenario.onlyOn !== undefined && !scenario.onlyOn.targets.includes(target.id)) {
        outcomes.set(scenario, { status: 'not-run', reason: scenario.onlyOn.reason, notes: [], observations: new Map() });
        say(`  ➖ ${scenario.client} · ${scenario.name}: not run: ${scenario.onlyOn.reason}`);
        continue;
      }
      const down = await stillAnswering(previous);
      previous = scenario;
      if (down !== null) {
        outcomes.set(scenario, { status: 'fail', reason: down, notes: [], observations: new Map() });
        continue;
      }
      const outcome = await runScenario(scenario, target, server, runTag, usedTopics);
      outcomes.set(scenario, outcome);
      const mark = outcome.status === 'pass' ? '✅' : '❌';
      const extra = outcome.status === 'pass' ? outcome.notes.join(' · ') : (outcome.reason ?? '');
      say(`  ${mark} ${scenario.client} · ${scenario.name} (${((outcome.ms ?? 0) / 1000).toFixed(1)} s)${extra === '' ? '' : `: ${extra}`}`);
      if (args.verbose && outcome.observations.size > 0) {
        say(`    observed: ${[...outcome.observations].map(([k, v]) => `${k}=${v}`).join(' · ')}`);
      }
      if (outcome.status === 'fail' && args.verbose) say(server.logTail(10).replace(/^/gm, '    | '));
    }
    await stillAnswering(previous);
  } finally {
    await server.stop();
  }
  return {
    id: target.id,
    title: target.title,
    start:
      target.id === 'apache-kafka'
        ? `KRaft, one combined broker+controller node, jars from Maven Central; ready in ${(firstStartMs / 1000).toFixed(1)} s ` +
          '(storage format + JVM start until a Metadata call lists the broker)'
        : `src/broker/broker.ts in a Node child process (node --import tsx); ready in ${(firstStartMs / 1000).toFixed(1)} s ` +
          '(process start until a Metadata call lists the broker)',
    outcomes,
  };
}

/** Marks scenarios that passed on both servers but observed different values. */
function compare(reports: readonly TargetReport[], selected: readonly Scenario[]): number {
  const kafka = reports.find((r) => r.id === 'apache-kafka');
  const embedded = reports.find((r) => r.id === 'embedded');
  if (kafka === undefined || embedded === undefined) return 0;
  let differences = 0;
  for (const s of selected) {
    const a = kafka.outcomes.get(s);
    const b = embedded.outcomes.get(s);
    if (a?.status !== 'pass' || b?.status !== 'pass') continue;
    const keys = new Set([...a.observations.keys(), ...b.observations.keys()]);
    const diffs = [...keys].filter((k) => a.observations.get(k) !== b.observations.get(k));
    if (diffs.length === 0) continue;
    differences++;
    const reason = `differs from Apache Kafka: ${diffs.map((k) => `${k} ${b.observations.get(k) ?? '(none)'} vs ${a.observations.get(k) ?? '(none)'}`).join('; ')}`;
    (embedded.outcomes as Map<Scenario, Outcome>).set(s, { ...b, status: 'fail', reason });
    say(`  ❌ ${s.client} · ${s.name}: ${reason}`);
  }
  return differences;
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const only = args.only ?? [];
  const selected = scenarios.filter(
    (s) => only.length === 0 || only.some((o) => `${s.client} ${s.name}`.toLowerCase().includes(o.toLowerCase())),
  );
  const wanted = args.target ?? [];
  for (const w of wanted) {
    if (!targets.some((t) => t.id === w)) throw new Error(`unknown --target ${w} (apache-kafka, embedded)`);
  }
  if (selected.length === 0) throw new Error(`no scenario matches --only ${only.join(', ')}`);
  const reports: TargetReport[] = [];
  for (const target of targets) {
    if (wanted.length > 0 && !wanted.includes(target.id)) continue;
    reports.push(await runTarget(target, selected));
  }
  const differences = compare(reports, selected);
  const runtimeMs = performance.now() - t0;

  const subset = only.length > 0 || wanted.length > 0;
  const write = args.write ?? (!subset && !args['no-write']);
  if (write) {
    const report: Report = {
      date: new Date(),
      runtimeMs,
      scenarios: selected,
      targets: reports,
      versions: {
        'Apache Kafka (server and Java tools)': versions.apacheKafka,
        Java: versions.java,
        'Node.js': versions.node,
        kcat: `${versions.kcat} (librdkafka ${versions.librdkafka})`,
        'kafka-python': versions.kafkaPython,
        'confluent-kafka (Python)': `${versions.confluentKafka} (librdkafka ${versions.confluentLibrdkafka})`,
        kafkajs: versions.kafkajs,
        '@platformatic/kafka': versions.platformatic,
      },
      serverNotes: [
        'Apache Kafka settings that differ from its defaults: replication factors 1 for the internal topics ' +
          '(one node), group.initial.rebalance.delay.ms=0 (as in its own config/server.properties), and ' +
          'auto.create.topics.enable=false (as on Amazon MSK; every scenario creates its topics).',
        'Embedded broker settings that differ from its defaults: groupInitialRebalanceDelayMs 0, the same as Kafka above.',
        'Both servers have the same listeners and access control, as Amazon MSK offers them: PLAINTEXT, SASL_PLAINTEXT ' +
          'and SASL_SSL with SCRAM-SHA-512, SSL with a client certificate required (mutual TLS; certificates from ' +
          '`sds certs create`), the ACL authorizer (Kafka\'s StandardAuthorizer) with allow.everyone.if.no.acl.found=true ' +
          'and super.users=User:admin, and the SCRAM users alice, admin, bob and carol.',
      ],
      knownDifferences,
    };
    const file = join(REPO_ROOT, 'docs/compatibility.md');
    writeFileSync(file, renderMarkdown(report));
    say(`wrote ${file}`);
  }

  const all = reports.flatMap((r) => [...r.outcomes.values()]);
  const passed = all.filter((o) => o.status === 'pass').length;
  const failed = all.filter((o) => o.status === 'fail').length;
  const skipped = all.filter((o) => o.status === 'not-run').length;
  say(`conformance runtime ${(runtimeMs / 1000).toFixed(1)} s${differences > 0 ? `, ${differences} disagreement(s)` : ''}`);
  say(`conformance: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

// Ctrl-C or a SIGTERM: exit through process.exit, whose 'exit' handlers kill the servers.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
