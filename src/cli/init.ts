/**
 * `sds init`: writes a commented starter sds.config.yaml with every section of the solution and
 * each setting's range and default. The two sample handlers are the package's own modules; see
 * handlerEntry for how their paths are written so that the file works from an empty folder.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { sourcePath } from '../package-root.ts';
import type { Command } from 'commander';
import { SdsError } from '../errors.ts';
import { DEFAULT_CONFIG_FILE } from '../config/config-file.ts';

interface InitFlags {
  configFile?: string;
  force?: boolean;
}

export class InitError extends SdsError {}

/** The package's own sample handler (msk-consumer or msk-to-firehose). */
export function packagedHandler(name: 'msk-consumer' | 'msk-to-firehose'): string {
  return sourcePath('functions', name, 'index.ts');
}

/**
 * How the config file names a handler module. Relative paths are the config file's, so a handler
 * inside the config's folder (the repository itself, or node_modules/<package>/ of the project
 * that installed it) is written relative: the folder can be moved or cloned and installed again.
 * A handler elsewhere (a global install, npx's cache) can only be named by its absolute path.
 */
export function handlerEntry(configFile: string, modulePath: string): string {
  const rel = relative(dirname(resolve(configFile)), modulePath);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? modulePath : rel.split('\\').join('/');
}

/** The starter config; `entries` are the handler paths as the file should name them. */
export function starterConfig(entries: { readonly consumer: string; readonly forwarder: string }): string {
  return `# The local Streaming Data Solution for Amazon MSK: what \`sds up\` runs (\`sds up --demo\` also
# produces sample stock-ticker events to the first topic). Relative paths are this file's.
# Every setting shows its range and default; delete a line to get the default.

dataDir: .sds                      # state of everything: broker data, function logs, mapping ids,
                                   # Firehose journals, local buckets (default .sds)

broker:                            # the embedded Kafka-compatible broker, standing in for Amazon MSK
  port: 9092                       # 0-65535, 0 picks a free one (default 9092)
  host: 127.0.0.1                  # interface to listen on (default 127.0.0.1)
  autoCreateTopics: false          # create unknown topics on request (default false, as on MSK)
  metricsPort: 11001               # Prometheus metrics under MSK's names, as MSK's open monitoring
                                   # (0-65535, 0 picks a free one; left out: none)
  # Access control as on Amazon MSK (docs/operations.md, "Access control"); with listeners,
  # leave out port and host. \`sds certs create\` writes the certificates named here.
  # listeners: [PLAINTEXT://127.0.0.1:9092, SSL://127.0.0.1:9094, SASL_SSL://127.0.0.1:9096]
  # tls: { certificate: .sds/certs/broker.pem, key: .sds/certs/broker-key.pem,
  #        ca: .sds/certs/ca.pem, clientAuth: required }   # clientAuth: none|requested|required
  # sasl: { mechanisms: [SCRAM-SHA-512], reauthMs: 0 }     # also SCRAM-SHA-256, PLAIN
  # authorizer: { superUsers: [User:admin], allowEveryoneIfNoAclFound: true }
  # users:                         # SCRAM users; passwords from the environment or mode-600 files
  #   - { name: admin, passwordEnv: SDS_ADMIN_PASSWORD }
  # clientProfile: admin           # the profile sds up's own clients log in with
# To use an existing cluster instead, remove \`broker\` and set \`bootstrap: host:port\`.

topics:                            # created at start when missing
  - name: MyTopic                  # letters, digits, ".", "_", "-"; at most 249 characters
    partitions: 1                  # 1-10000 (default 1)
    replicationFactor: 1           # 1-32767 (default 1; the embedded broker has one node)
    # configs: { retention.ms: "604800000" }   # Kafka topic configs

functions:                         # CDK NodejsFunction's names; the same module deploys to Lambda
  # Pattern 2: a Lambda function consuming MyTopic through an event source mapping.
  msk-consumer:
    entry: ${entries.consumer}
    handler: handler               # the exported function (default handler)
    timeout: 30                    # seconds, 1-900 (default 3)
    memorySize: 128                # MB, 128-10240 (default 128)
    reservedConcurrentExecutions: 5  # worker threads, 1-100 (default 5)
    # environment: { LOG_LEVEL: info }
    eventSources:                  # CreateEventSourceMapping's settings for Kafka, AWS's names
      - Topics: [MyTopic]          # exactly one topic
        StartingPosition: TRIM_HORIZON   # TRIM_HORIZON, LATEST or AT_TIMESTAMP (with StartingPositionTimestamp)
        BatchSize: 100             # 1-10000 (default 100)
        MaximumBatchingWindowInSeconds: 0   # 0-300 (default 0.5 s when left out)
        # MaximumRetryAttempts: -1          # -1 (until the record expires) or 0-10000 (default -1)
        # BisectBatchOnFunctionError: false # default false
        # FunctionResponseTypes: [ReportBatchItemFailures]
        # DestinationConfig: { OnFailure: { Destination: "file:failed.jsonl" } }  # or arn:aws:s3:::bucket, kafka://topic

  # Pattern 3: a Lambda function forwarding MyTopic to a Firehose delivery stream.
  msk-to-firehose:
    entry: ${entries.forwarder}
    timeout: 60                    # seconds, 1-900 (default 3)
    environment:
      DELIVERY_STREAM_NAME: msk-to-s3   # FIREHOSE_ENDPOINT is set by sds up
      # RECORD_FORMAT: json-lines      # json-lines (default), raw or raw-newline
      # MAX_ATTEMPTS: "5"              # PutRecordBatch attempts (default 5)
    eventSources:
      - Topics: [MyTopic]
        StartingPosition: TRIM_HORIZON
        BatchSize: 500             # 1-10000 (default 100)
        MaximumBatchingWindowInSeconds: 1   # 0-300

firehose:                          # the local Firehose: the AWS SDK's endpoint http://127.0.0.1:4573
  port: 4573                       # 0-65535, 0 picks a free one (default 4573)
  host: 127.0.0.1                  # default 127.0.0.1

deliveryStreams:                   # CreateDeliveryStream's ExtendedS3DestinationConfiguration
  msk-to-s3:
    BucketARN: arn:aws:s3:::sds-local-bucket   # a folder <dataDir>/buckets/sds-local-bucket unless \`buckets\` says otherwise
    BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 10 }   # 1-128 MB (default 5), 0-900 s (default 300); both or neither
    CompressionFormat: GZIP        # UNCOMPRESSED (default), GZIP, ZIP, Snappy, HADOOP_SNAPPY
    # Prefix: "data/!{timestamp:yyyy/MM/dd}/"
    # ErrorOutputPrefix: "errors/!{firehose:error-output-type}/"

# buckets:                         # point a bucket at real S3 (or any S3-compatible server), or a folder
#   sds-local-bucket: s3://my-real-bucket?region=eu-west-1

dashboard:                         # the live dashboard: http://127.0.0.1:3000/
  port: 3000                       # 0-65535, 0 picks a free one (default 3000)
  host: 127.0.0.1                  # default 127.0.0.1
  intervalSeconds: 5               # 1-300 (default 5)
`;
}

function init(flags: InitFlags): void {
  const file = resolve(flags.configFile ?? DEFAULT_CONFIG_FILE);
  if (existsSync(file) && flags.force !== true) {
    throw new InitError('SDS_ERR_INIT_EXISTS', `${file} already exists; run \`sds init --force\` to overwrite it, or name another file with --config-file`);
  }
  const text = starterConfig({ consumer: handlerEntry(file, packagedHandler('msk-consumer')), forwarder: handlerEntry(file, packagedHandler('msk-to-firehose')) });
  try {
    writeFileSync(file, text);
  } catch (error: unknown) {
    throw new InitError('SDS_ERR_INIT_WRITE', `cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  process.stdout.write(`Wrote ${file}\nNext: sds up --demo   (or: sds up --config-file ${file})\n`);
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a commented starter sds config file (every setting with its range and default)')
    .option('--config-file <file>', `where to write it (default: ${DEFAULT_CONFIG_FILE} in the current folder)`)
    .option('--force', 'overwrite the file if it exists')
    .action(init);
}
