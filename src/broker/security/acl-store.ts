/**
 * The ACL file, `<dataDir>/security/acls.json`: every binding by name (readable, and stable if
 * Kafka ever renumbers nothing), written whole and atomically. Reading checks each entry as a
 * new ACL would be checked, so a hand-edited mistake stops the broker with the file named
 * instead of silently granting or denying something else.
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SdsError } from '../../errors.ts';
import { writeFileAtomic } from '../metadata/atomic-file.ts';
import {
  OPERATION_NAMES,
  PATTERN_TYPE_NAMES,
  PERMISSION_TYPE_NAMES,
  RESOURCE_TYPE_NAMES,
  checkNewBinding,
  type AclBinding,
  type OperationName,
  type PatternTypeName,
  type PermissionTypeName,
  type ResourceTypeName,
} from './acl-model.ts';

/** Larger than any real ACL set; bounds what is read into memory at start. */
export const MAX_ACL_FILE_BYTES = 64 * 1024 * 1024;

interface AclFile {
  version: 1;
  acls: AclBinding[];
}

export function aclFilePath(dataDir: string): string {
  return join(dataDir, 'security', 'acls.json');
}

/** The file's text for these ACLs; callers check its size against MAX_ACL_FILE_BYTES. */
export function serializeAcls(acls: readonly AclBinding[]): string {
  const file: AclFile = { version: 1, acls: [...acls] };
  return `${JSON.stringify(file, null, 1)}\n`;
}

export async function writeAclFile(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder's mode alone; ACLs say who may do what, so keep it private.
  await chmod(dir, 0o700);
  await writeFileAtomic(path, text);
}

/** The stored ACLs; none when the file does not exist. */
export async function readAclFile(path: string): Promise<AclBinding[]> {
  let text: string;
  try {
    text = await readBounded(path);
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (e instanceof SdsError) throw e;
    throw new SdsError('SDS_ERR_BROKER_ACLS_CORRUPT', `${path} cannot be read: check its permissions`, { cause: e });
  }
  try {
    return parseAclFile(text);
  } catch (e: unknown) {
    throw new SdsError(
      'SDS_ERR_BROKER_ACLS_CORRUPT',
      `${path} is not a valid ACL file (${(e as Error).message}); restore it from a backup, or fix or delete it and recreate the ACLs with kafka-acls`,
      { cause: e },
    );
  }
}

async function readBounded(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size > MAX_ACL_FILE_BYTES) {
      throw new SdsError('SDS_ERR_BROKER_ACLS_CORRUPT', `${path} is ${size} bytes, above the ${MAX_ACL_FILE_BYTES}-byte limit of an ACL file; restore it from a backup`);
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

function parseAclFile(text: string): AclBinding[] {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not a JSON object');
  const { version, acls } = parsed as Record<string, unknown>;
  if (version !== 1) throw new Error(`unknown version ${String(version)}`);
  if (!Array.isArray(acls)) throw new Error('"acls" is not a list');
  return acls.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new Error(`entry ${i} is not an object`);
    const e = entry as Record<string, unknown>;
    const text = (field: string): string => {
      const v = e[field];
      if (typeof v !== 'string') throw new Error(`entry ${i}: "${field}" is not a string`);
      return v;
    };
    const named = <T extends string>(field: string, names: readonly T[]): T => {
      const v = text(field);
      if (!(names as readonly string[]).includes(v)) throw new Error(`entry ${i}: "${field}" is ${JSON.stringify(v)}`);
      return v as T;
    };
    const checked = checkNewBinding({
      resourceType: named<ResourceTypeName>('resourceType', RESOURCE_TYPE_NAMES),
      resourceName: text('resourceName'),
      patternType: named<PatternTypeName>('patternType', PATTERN_TYPE_NAMES),
      principal: text('principal'),
      host: text('host'),
      operation: named<OperationName>('operation', OPERATION_NAMES),
      permissionType: named<PermissionTypeName>('permissionType', PERMISSION_TYPE_NAMES),
    });
    if ('problem' in checked) throw new Error(`entry ${i}: ${checked.problem}`);
    return checked.binding;
  });
}
