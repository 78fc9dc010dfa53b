// A broker in its own process for the fault tests. Arguments: DATA_DIR [CONFIG_JSON]. Prints
// "READY <json>" with the Kafka and metrics ports once it accepts; stops cleanly on SIGTERM.
import { startBroker } from '../../../src/broker/broker.ts';
import { pino } from 'pino';

const [dataDir, configJson] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: broker-main.ts DATA_DIR [CONFIG_JSON]');
// Warnings and errors go to stderr, so a failing test shows what the broker complained about.
const logger = pino({ name: 'fault-broker', level: process.env.SDS_LOG_LEVEL ?? 'error' }, pino.destination(2));
const broker = await startBroker({ dataDir, metricsPort: 0, logger, config: JSON.parse(configJson ?? '{}') as object });
process.stdout.write(`READY ${JSON.stringify({ port: broker.port, metricsUrl: broker.metricsUrl })}\n`);
process.once('SIGTERM', () => {
  broker.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`stop failed: ${String(e)}\n`);
      process.exit(1);
    },
  );
});
