/** The WAL settings (wal.* in the broker config) and their parsing and validation. */

import type { SyncPolicy } from './group-commit.js';

export interface WalConfig {
  /** wal.enabled: false = in-memory only (no files; appends complete at once). */
  enabled: boolean;
  /** wal.segment.bytes */
  segmentBytes: number;
  /** wal.group.max.bytes: a group is sealed and written when this is reached. */
  groupMaxBytes: number;
  /** wal.group.max.records */
  groupMaxRecords: number;
  /** wal.group.max.age.ms: linger while the disk is idle (0 = next turn of the event loop). */
  groupMaxAgeMs: number;
  /** wal.sync.policy */
  syncPolicy: SyncPolicy;
}

export const DEFAULT_WAL_CONFIG: Readonly<WalConfig> = Object.freeze<WalConfig>({
  enabled: true,
  segmentBytes: 1024 * 1024 * 1024,
  groupMaxBytes: 4 * 1024 * 1024,
  groupMaxRecords: 100_000,
  groupMaxAgeMs: 0,
  syncPolicy: { kind: 'always' },
});

/** Parses `always`, `never` or `interval:N` (N in ms). */
export function parseSyncPolicy(text: string): SyncPolicy {
  const t = text.trim().toLowerCase();
  if (t === 'always') return { kind: 'always' };
  if (t === 'never') return { kind: 'never' };
  const m = /^interval:(\d+)$/.exec(t);
  if (m) return { kind: 'interval', ms: Number(m[1]) };
  throw new Error(`invalid wal.sync.policy "${text}": expected always, never or interval:<ms>`);
}

export function formatSyncPolicy(policy: SyncPolicy): string {
  return policy.kind === 'interval' ? `interval:${policy.ms}` : policy.kind;
}

export function validateConfig(c: WalConfig): void {
  const positive = (name: string, v: number): void => {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  };
  positive('wal.segment.bytes', c.segmentBytes);
  positive('wal.group.max.bytes', c.groupMaxBytes);
  positive('wal.group.max.records', c.groupMaxRecords);
  if (!Number.isFinite(c.groupMaxAgeMs) || c.groupMaxAgeMs < 0) throw new Error(`wal.group.max.age.ms must be >= 0, got ${c.groupMaxAgeMs}`);
  if (c.syncPolicy.kind === 'interval') positive('wal.sync.policy interval', c.syncPolicy.ms);
}
