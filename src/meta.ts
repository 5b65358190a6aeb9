/**
 * `<data-dir>/meta.properties`: the cluster id and node id a data directory belongs to,
 * written once when the directory is first used (as Kafka does), so a restart keeps the
 * same cluster id and a data directory is never silently reused by another node id.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProperties } from './config.js';

export interface DataDirMeta {
  clusterId: string;
  nodeId: number;
}

export function newClusterId(): string {
  return randomBytes(16).toString('base64url');
}

export async function loadOrCreateMeta(dataDir: string, nodeId: number): Promise<DataDirMeta> {
  const path = join(dataDir, 'meta.properties');
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== null) {
    const props = parseProperties(text);
    const clusterId = props.get('cluster.id');
    const storedNode = Number(props.get('node.id'));
    if (!clusterId || !Number.isInteger(storedNode)) throw new Error(`${path} is missing cluster.id or node.id`);
    if (storedNode !== nodeId) {
      throw new Error(`${path} belongs to node.id ${storedNode}, but this broker is node.id ${nodeId}`);
    }
    return { clusterId, nodeId };
  }
  const meta = { clusterId: newClusterId(), nodeId };
  await mkdir(dataDir, { recursive: true });
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(`version=1\ncluster.id=${meta.clusterId}\nnode.id=${nodeId}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  return meta;
}
