import { HandlerRegistry } from './registry.ts';
import { apiVersionsHandler } from './18-api-versions.ts';
import { metadataHandler } from './03-metadata.ts';
import { createTopicsHandler } from './19-create-topics.ts';
import { deleteTopicsHandler } from './20-delete-topics.ts';
import { createPartitionsHandler } from './37-create-partitions.ts';
import { describeConfigsHandler } from './32-describe-configs.ts';
import { alterConfigsHandler } from './33-alter-configs.ts';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs.ts';
import { describeClusterHandler } from './60-describe-cluster.ts';
import { produceHandler } from './00-produce.ts';
import { fetchHandler } from './01-fetch.ts';
import { listOffsetsHandler } from './02-list-offsets.ts';
import { deleteRecordsHandler } from './21-delete-records.ts';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.ts';
import { describeLogDirsHandler } from './35-describe-log-dirs.ts';
import { initProducerIdHandler } from './22-init-producer-id.ts';
import { describeProducersHandler } from './61-describe-producers.ts';
import { offsetCommitHandler } from './08-offset-commit.ts';
import { offsetFetchHandler } from './09-offset-fetch.ts';
import { findCoordinatorHandler } from './10-find-coordinator.ts';
import { joinGroupHandler } from './11-join-group.ts';
import { heartbeatHandler } from './12-heartbeat.ts';
import { leaveGroupHandler } from './13-leave-group.ts';
import { syncGroupHandler } from './14-sync-group.ts';
import { describeGroupsHandler } from './15-describe-groups.ts';
import { listGroupsHandler } from './16-list-groups.ts';
import { deleteGroupsHandler } from './42-delete-groups.ts';
import { offsetDeleteHandler } from './47-offset-delete.ts';
import { saslHandshakeHandler } from './17-sasl-handshake.ts';
import { describeUserScramCredentialsHandler } from './50-describe-user-scram-credentials.ts';
import { alterUserScramCredentialsHandler } from './51-alter-user-scram-credentials.ts';
import { saslAuthenticateHandler } from './36-sasl-authenticate.ts';
import { describeAclsHandler } from './29-describe-acls.ts';
import { createAclsHandler } from './30-create-acls.ts';
import { deleteAclsHandler } from './31-delete-acls.ts';

/** Every API the embedded broker serves; ApiVersions advertises exactly these. */
export function buildRegistry(): HandlerRegistry {
  return new HandlerRegistry()
    .register(produceHandler)
    .register(fetchHandler)
    .register(listOffsetsHandler)
    .register(metadataHandler)
    .register(saslHandshakeHandler)
    .register(apiVersionsHandler)
    .register(createTopicsHandler)
    .register(deleteTopicsHandler)
    .register(deleteRecordsHandler)
    .register(initProducerIdHandler)
    .register(offsetForLeaderEpochHandler)
    .register(describeAclsHandler)
    .register(createAclsHandler)
    .register(deleteAclsHandler)
    .register(describeConfigsHandler)
    .register(alterConfigsHandler)
    .register(describeLogDirsHandler)
    .register(saslAuthenticateHandler)
    .register(createPartitionsHandler)
    .register(incrementalAlterConfigsHandler)
    .register(offsetCommitHandler)
    .register(offsetFetchHandler)
    .register(findCoordinatorHandler)
    .register(joinGroupHandler)
    .register(heartbeatHandler)
    .register(leaveGroupHandler)
    .register(syncGroupHandler)
    .register(describeGroupsHandler)
    .register(listGroupsHandler)
    .register(deleteGroupsHandler)
    .register(offsetDeleteHandler)
    .register(describeUserScramCredentialsHandler)
    .register(alterUserScramCredentialsHandler)
    .register(describeClusterHandler)
    .register(describeProducersHandler);
}
