import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { newTopicId } from './topic-store.ts';
import { SdsError } from '../../errors.ts';

/** Kafka keeps its identity in meta.properties; so do we, in the same format. */
const FILE = 'meta.properties';

export interface ClusterIdentity {
  readonly clusterId: string;
  readonly nodeId: number;
}

export async function loadOrCreateIdentity(dataDir: string, nodeId: number): Promise<ClusterIdentity> {
  const path = join(dataDir, FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text === undefined) {
    const identity = { clusterId: newTopicId(), nodeId };
    await writeFileAtomic(path, `version=1\ncluster.id=${identity.clusterId}\nnode.id=${nodeId}\n`);
    return identity;
  }
  const props = new Map(
    text
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]),
  );
  const clusterId = props.get('cluster.id');
  const storedNode = Number(props.get('node.id'));
  if (!clusterId || !Number.isInteger(storedNode)) {
    throw new SdsError('SDS_ERR_BROKER_METADATA_CORRUPT', `${path} lacks cluster.id or node.id; restore it or move the data directory aside`);
  }
  return { clusterId, nodeId: storedNode };
}
