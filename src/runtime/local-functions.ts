/**
 * The functions of an sds config, running: one function host per function, and its event source
 * mappings. Every handler module is loaded before any mapping starts, so a module that does not
 * load stops everything with nothing consumed. Stopping goes in the reverse order: the mappings
 * finish their invocations in flight and commit, then the hosts stop their workers.
 */
import type { Connection } from '../client/connection.ts';
import type { FunctionConfig } from '../config/sds-config.ts';
import type { Logger } from '../logging.ts';
import { startFunctionHost } from './function-host/host.ts';
import type { FunctionHost } from './function-host/types.ts';
import { EventSourceMapping } from './event-source/mapping.ts';
import { MetricsRegistry } from './event-source/metrics.ts';

export interface RunningFunction {
  readonly host: FunctionHost;
  readonly mappings: readonly EventSourceMapping[];
}

export interface RunningFunctions {
  readonly functions: ReadonlyMap<string, RunningFunction>;
  /** Invocations, errors, duration, throttles and offset lag of every mapping, per function too. */
  readonly metrics: MetricsRegistry;
  stop(): Promise<void>;
}

export interface StartFunctionsOptions {
  readonly functions: readonly FunctionConfig[];
  readonly connection: Connection;
  /** Where mappings keep their UUIDs (and local buckets for on-failure destinations). */
  readonly dataDir: string;
  readonly logger: Logger;
}

async function stopAll(hosts: readonly FunctionHost[], mappings: readonly EventSourceMapping[]): Promise<void> {
  await Promise.allSettled(mappings.map((m) => m.stop()));
  await Promise.allSettled(hosts.map((h) => h.close()));
}

export async function startFunctions(options: StartFunctionsOptions): Promise<RunningFunctions> {
  const hosts: FunctionHost[] = [];
  const mappings: EventSourceMapping[] = [];
  const metrics = new MetricsRegistry();
  const running = new Map<string, RunningFunction>();
  try {
    for (const fn of options.functions) hosts.push(await startFunctionHost(fn.settings, { concurrency: fn.concurrency }));
    for (const [i, fn] of options.functions.entries()) {
      const host = hosts[i];
      if (host === undefined) continue;
      const own: EventSourceMapping[] = [];
      for (const settings of fn.eventSources) {
        const mapping = await EventSourceMapping.start({
          settings,
          connection: options.connection,
          invoke: host.invoke,
          functionName: fn.settings.name,
          dataDir: options.dataDir,
          metrics,
          logger: options.logger,
        });
        own.push(mapping);
        mappings.push(mapping);
      }
      running.set(fn.settings.name, { host, mappings: own });
    }
  } catch (error: unknown) {
    await stopAll(hosts, mappings);
    throw error;
  }
  return { functions: running, metrics, stop: () => stopAll(hosts, mappings) };
}
