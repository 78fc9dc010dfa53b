/**
 * The package's library API, for test suites and scripts: the embedded broker on its own
 * (`startBroker`: port 0 picks a free port, no dataDir means a temporary folder removed on stop),
 * and the whole local solution (`startStack`) from a config checked by `checkConfig` (an object)
 * or `loadConfig` (a file). Plain Node imports it through lib/index.js, which loads these sources.
 */
export { startBroker, type BrokerOptions, type RunningBroker } from './broker/broker.ts';
export { startStack, type RunningStack, type StackOptions } from './runtime/local-stack.ts';
export {
  checkConfig,
  loadConfig,
  loadConfigOrDefaults,
  type ConfigOverrides,
  type DashboardConfig,
  type EmbeddedBrokerConfig,
  type ExternalClusterConfig,
  type FirehoseConfig,
  type FunctionConfig,
  type SdsConfig,
  type TopicConfig,
} from './config/sds-config.ts';
export { SdsError } from './errors.ts';
