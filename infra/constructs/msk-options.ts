/**
 * What an MSK provisioned cluster of this solution can be: Kafka versions, broker instance
 * types, monitoring levels, access control and the ports each needs, with the checks of concrete
 * values. One table each, used by the parameters' AllowedValues and by the checks alike.
 */

/**
 * Versions MSK supports today (3.6 and 3.7 reached end of support in 2026). 4.x runs in KRaft
 * mode only; 3.8 and 3.9 come with ZooKeeper or KRaft. `.x` follows the latest patch release.
 */
export const KAFKA_VERSIONS = ['3.8.x', '3.8.x.kraft', '3.9.x', '3.9.x.kraft', '4.0.x.kraft', '4.1.x.kraft'] as const;
/** MSK's recommended version. */
export const DEFAULT_KAFKA_VERSION = '3.8.x';

/**
 * The Apache Kafka release whose command-line tools the client instance installs for each
 * version line: the last patch release of the line, built for Scala 2.13 (the only build of 4.x).
 */
export const KAFKA_CLIENT_RELEASES: Readonly<Record<string, string>> = {
  '3.8': '3.8.1',
  '3.9': '3.9.1',
  '4.0': '4.0.0',
  '4.1': '4.1.1',
};
export const KAFKA_SCALA_VERSION = '2.13';

export const BROKER_INSTANCE_TYPES = [
  'kafka.t3.small',
  ...['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'].map((size) => `kafka.m5.${size}`),
  ...['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'].map((size) => `kafka.m7g.${size}`),
] as const;
export const DEFAULT_BROKER_INSTANCE_TYPE = 'kafka.m5.large';

export const MONITORING_LEVELS = ['DEFAULT', 'PER_BROKER', 'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'] as const;
export const DEFAULT_MONITORING_LEVEL = 'DEFAULT';

/** Each access control method and the TLS listener port brokers serve it on (inside the VPC). */
export const ACCESS_CONTROL_PORTS = {
  Unauthenticated: 9094,
  IAM: 9098,
  'SASL/SCRAM': 9096,
} as const;
export type AccessControl = keyof typeof ACCESS_CONTROL_PORTS;
export const ACCESS_CONTROLS = Object.keys(ACCESS_CONTROL_PORTS) as AccessControl[];
export const DEFAULT_ACCESS_CONTROL: AccessControl = 'IAM';

/** Prometheus open monitoring: JMX exporter and node exporter. */
export const OPEN_MONITORING_PORTS = { from: 11001, to: 11002 } as const;

/** EBS storage per broker, in GiB (MSK's limits). */
export const EBS_VOLUME_SIZE = { min: 1, max: 16384, default: 100 } as const;

/** Brokers are spread evenly over 2 or 3 subnets, each in its own Availability Zone. */
export const SUBNET_COUNTS = [2, 3] as const;
export const DEFAULT_SUBNET_COUNT = 3;
/** MSK's default quota of brokers per provisioned cluster. */
export const MAX_BROKERS = 30;

/** Broker counts allowed with `subnetCount` subnets: the multiples of it up to MAX_BROKERS. */
export function brokerCountsFor(subnetCount: number): number[] {
  const counts: number[] = [];
  for (let n = subnetCount; n <= MAX_BROKERS; n += subnetCount) counts.push(n);
  return counts;
}

export interface ClusterFields {
  readonly subnetCount: number;
  readonly brokerCount: number;
  readonly kafkaVersion: string;
  readonly brokerInstanceType: string;
  readonly monitoringLevel: string;
  readonly ebsVolumeSize: number;
  readonly accessControl: string;
}

function oneOf(name: string, value: string, allowed: readonly string[]): string[] {
  return allowed.includes(value) ? [] : [`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`];
}

/** Every problem with a cluster's settings (all of them concrete: they become parameter defaults). */
export function clusterProblems(f: ClusterFields): string[] {
  const problems: string[] = [];
  const subnetsValid = (SUBNET_COUNTS as readonly number[]).includes(f.subnetCount);
  if (!subnetsValid) problems.push(`subnetCount: expected ${SUBNET_COUNTS.join(' or ')} subnets (one per Availability Zone), got ${JSON.stringify(f.subnetCount)}`);
  if (!Number.isInteger(f.brokerCount) || f.brokerCount < 1 || f.brokerCount > MAX_BROKERS) {
    problems.push(`brokerCount: expected a whole number from 1 to ${MAX_BROKERS}, got ${JSON.stringify(f.brokerCount)}`);
  } else if (subnetsValid && f.brokerCount % f.subnetCount !== 0) {
    problems.push(`brokerCount: ${f.brokerCount} is not a multiple of the ${f.subnetCount} subnets; use one of ${brokerCountsFor(f.subnetCount).slice(0, 4).join(', ')}, ...`);
  }
  problems.push(...oneOf('kafkaVersion', f.kafkaVersion, KAFKA_VERSIONS));
  problems.push(...oneOf('brokerInstanceType', f.brokerInstanceType, BROKER_INSTANCE_TYPES));
  problems.push(...oneOf('monitoringLevel', f.monitoringLevel, MONITORING_LEVELS));
  problems.push(...oneOf('accessControl', f.accessControl, ACCESS_CONTROLS));
  if (!Number.isInteger(f.ebsVolumeSize) || f.ebsVolumeSize < EBS_VOLUME_SIZE.min || f.ebsVolumeSize > EBS_VOLUME_SIZE.max) {
    problems.push(`ebsVolumeSize: expected a whole number of GiB from ${EBS_VOLUME_SIZE.min} to ${EBS_VOLUME_SIZE.max}, got ${JSON.stringify(f.ebsVolumeSize)}`);
  }
  return problems;
}
