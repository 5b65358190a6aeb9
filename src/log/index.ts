/** The log: one WAL per broker, group commit, recovery, partition indexes, dump tool. */

export {
  BrokerLog,
  DEFAULT_WAL_CONFIG,
  formatSyncPolicy,
  parseSyncPolicy,
  type Acks,
  type BatchDescriptor,
  type BrokerLogOptions,
  type CommittedOffset,
  type DeleteRecordsOutcome,
  type ProducePartitionInput,
  type RecoveryStats,
  type RetentionDefaults,
  type RetentionResult,
  type SyncPolicy,
  type WalConfig,
} from './broker-log.js';
export { StorageError, UnknownTopicError, WalCorruptionError } from './errors.js';
export { nodeFileSystem, type WalFileHandle, type WalFileSystem, type WalOpenMode } from './fs.js';
export type { WriterStats } from './group-commit.js';
export { BatchIndex, PartitionState, type BatchLocation } from './partition.js';
export type { TopicState } from './topics.js';
export { EntryType, ENTRY_HEADER_SIZE } from './framing.js';
export { DEFAULT_RETENTION } from './retention.js';
export { dumpLog, type DumpOptions, type DumpProblem, type DumpResult } from './dump.js';
