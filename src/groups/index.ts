/** Consumer groups (classic protocol): the coordinator, its group state machine, the offsets port. */

export { DEFAULT_GROUP_SETTINGS, GroupCoordinator, type GroupCoordinatorOptions, type GroupCoordinatorSettings, type ListedGroup, type OffsetDeleteOutcome } from './coordinator.js';
export { Group } from './group.js';
export type { Member } from './roster.js';
export { MemoryOffsetStore, hasOffsets, type CommittedOffset, type OffsetStore } from './offsets.js';
export { realScheduler, type Scheduler, type TimerHandle } from './scheduler.js';
export * from './types.js';
