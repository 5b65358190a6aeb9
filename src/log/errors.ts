/** The log is fenced after an I/O error (or closed); handlers answer KAFKA_STORAGE_ERROR (56). */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code = 56;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The WAL on disk is damaged somewhere recovery must not cut; the broker refuses to start. */
export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';
  constructor(
    readonly file: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`WAL corruption in ${file} at byte ${position}: ${reason}; refusing to start (the damage is not at the tail of the last segment, so recovery cannot cut it)`);
  }
}

/** The topic does not exist (handlers answer UNKNOWN_TOPIC_OR_PARTITION, 3). */
export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
  readonly code = 3;
  constructor(readonly topic: string) {
    super(`unknown topic ${topic}`);
  }
}
