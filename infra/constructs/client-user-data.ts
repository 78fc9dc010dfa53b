/**
 * The client instance's first-boot script (Amazon Linux 2023): Apache Kafka's command-line tools
 * of the cluster's version line, the MSK IAM auth library, Node.js 22 and our `sds` tool, and
 * one client properties file per access control. Values may be CloudFormation tokens; they are
 * resolved into the script when the template is written.
 */
import { KAFKA_CLIENT_RELEASES, KAFKA_SCALA_VERSION } from './msk-options.ts';

/** The MSK IAM auth library (SASL mechanism AWS_MSK_IAM for the Java tools). */
export const MSK_IAM_AUTH_VERSION = '2.2.0';

export interface ClientUserDataProps {
  /** The cluster's KafkaVersion, such as `3.8.x` or `4.1.x.kraft`. */
  readonly kafkaVersion: string;
  readonly clusterArn: string;
  readonly region: string;
  /** s3:// URL of the zip holding sds (package files, bin/ and src/). */
  readonly sdsBundleUrl: string;
}

/** `case` arms mapping a KafkaVersion to the Kafka release whose tools are installed. */
function releaseCases(): string {
  return Object.entries(KAFKA_CLIENT_RELEASES)
    .map(([line, release]) => `  ${line}.*) release=${release} ;;`)
    .join('\n');
}

export function clientUserData(p: ClientUserDataProps): string {
  return `#!/bin/bash
# First boot of the Kafka client instance; the output goes to /var/log/kafka-client-setup.log.
set -euo pipefail
exec > >(tee -a /var/log/kafka-client-setup.log) 2>&1

kafka_version='${p.kafkaVersion}'
cluster_arn='${p.clusterArn}'
region='${p.region}'
sds_bundle='${p.sdsBundleUrl}'

case "$kafka_version" in
${releaseCases()}
  *) echo "no Kafka client release is known for MSK version $kafka_version" >&2; exit 1 ;;
esac

# Kafka 4 tools need Java 17; sds needs Node.js 22.
dnf install -y java-17-amazon-corretto-headless nodejs22 nodejs22-npm unzip
command -v node >/dev/null || ln -sf "$(command -v node-22)" /usr/local/bin/node
command -v npm >/dev/null || ln -sf "$(command -v npm-22)" /usr/local/bin/npm

# Apache Kafka's tools, checked against the SHA-512 published next to the archive.
archive="kafka_${KAFKA_SCALA_VERSION}-$release.tgz"
cd /tmp
curl -fsSLO "https://archive.apache.org/dist/kafka/$release/$archive"
curl -fsSLO "https://archive.apache.org/dist/kafka/$release/$archive.sha512"
# The checksum file is either "<archive>: HEX HEX ..." (gpg --print-md) or "<hex>  <archive>".
expected="$(tr -d ' \\t\\r\\n' < "$archive.sha512")"
expected="\${expected#*:}"
expected="\${expected%%kafka_*}"
expected="$(printf '%s' "$expected" | tr 'A-F' 'a-f')"
actual="$(sha512sum "$archive" | cut -d ' ' -f 1)"
[ "$expected" = "$actual" ] || { echo "checksum mismatch for $archive" >&2; exit 1; }
mkdir -p /opt/kafka
tar -xzf "$archive" -C /opt/kafka --strip-components 1
rm -f "$archive" "$archive.sha512"

curl -fsSL -o /opt/kafka/libs/aws-msk-iam-auth-${MSK_IAM_AUTH_VERSION}-all.jar \\
  "https://github.com/aws/aws-msk-iam-auth/releases/download/v${MSK_IAM_AUTH_VERSION}/aws-msk-iam-auth-${MSK_IAM_AUTH_VERSION}-all.jar"

# One properties file per access control; the JVM's default trust store has MSK's certificates.
cat > /opt/kafka/config/client-tls.properties <<'PROPS'
security.protocol=SSL
PROPS
cat > /opt/kafka/config/client-scram.properties <<'PROPS'
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
# Add the credentials of the AmazonMSK_ secret:
# sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="..." password="...";
PROPS
cat > /opt/kafka/config/client-iam.properties <<'PROPS'
security.protocol=SASL_SSL
sasl.mechanism=AWS_MSK_IAM
sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;
sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler
PROPS

# sds, from the bundle the stack published, with its production dependencies.
mkdir -p /opt/sds
aws s3 cp --region "$region" "$sds_bundle" /tmp/sds.zip
unzip -q -o /tmp/sds.zip -d /opt/sds
rm -f /tmp/sds.zip
(cd /opt/sds && npm ci --omit=dev --no-audit --no-fund)
ln -sf /opt/sds/bin/sds.js /usr/local/bin/sds

cat > /etc/profile.d/kafka-client.sh <<PROFILE
export PATH="/opt/kafka/bin:\\$PATH"
export AWS_REGION='$region'
export MSK_CLUSTER_ARN='$cluster_arn'
PROFILE
echo "Kafka $release tools, the MSK IAM auth library and sds are installed"
`;
}
