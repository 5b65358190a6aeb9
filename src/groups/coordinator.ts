/**
 * The group coordinator: this broker coordinates every group. It owns the live groups
 * (each a `Group` state machine, see group.ts) and fronts the committed-offsets store.
 * Group state lives in memory only and is gone after a restart, as in Kafka where members
 * simply rejoin; committed offsets are WAL entries and survive.
 *
 * Settings (Kafka's names and defaults, except the initial delay):
 *   group.initial.rebalance.delay.ms  0 here (Kafka: 3000). Sluice is mostly a single-node
 *       broker for development and test suites, where a 3 s stall before every first
 *       generation costs more than the extra rebalance it may save when members start
 *       one after another.
 *   group.min.session.timeout.ms      6000
 *   group.max.session.timeout.ms      1800000
 *   offset.metadata.max.bytes         4096
 */

import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/generated/errors.js';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import { Group } from './group.js';
import { hasOffsets, type CommittedOffset, type OffsetStore } from './offsets.js';
import type { Logger } from '../logger.js';
import { realScheduler, type Scheduler } from './scheduler.js';
import type { GroupState, GroupSummary, JoinInput, JoinResult, LeaveResult, MemberIdentity, SyncInput, SyncResult } from './types.js';

export interface GroupCoordinatorSettings {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  offsetMetadataMaxBytes: number;
}

export const DEFAULT_GROUP_SETTINGS: Readonly<GroupCoordinatorSettings> = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  offsetMetadataMaxBytes: 4096,
};

export interface GroupCoordinatorOptions {
  offsets: OffsetStore;
  scheduler?: Scheduler;
  settings?: Partial<GroupCoordinatorSettings>;
  newMemberId?: (clientId: string) => string;
  /** Rebalances and member removals are logged at info, as Kafka does. */
  logger?: Logger;
}

/** OffsetDelete's answer: a group-level error, or one error per requested partition. */
export interface OffsetDeleteOutcome {
  errorCode: number;
  /** In request order; empty when errorCode is not NONE. */
  errors: number[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export class GroupCoordinator {
  /** Mutable so an embedding test suite can shorten timeouts. */
  readonly settings: GroupCoordinatorSettings;
  readonly offsets: OffsetStore;
  private readonly scheduler: Scheduler;
  private readonly groups = new Map<string, Group>();
  private readonly newMemberId: (clientId: string) => string;
  private readonly logger: Logger | undefined;
  private closed = false;

  constructor(options: GroupCoordinatorOptions) {
    this.offsets = options.offsets;
    this.scheduler = options.scheduler ?? realScheduler;
    this.settings = { ...DEFAULT_GROUP_SETTINGS, ...options.settings };
    this.newMemberId = options.newMemberId ?? ((clientId) => `${clientId}-${randomUUID()}`);
    this.logger = options.logger;
  }

  /** The live group, if any (a group known only by its committed offsets has none). */
  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  private getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = new Group(groupId, {
        scheduler: this.scheduler,
        settings: this.settings,
        newMemberId: this.newMemberId,
        onEmpty: (g) => this.dropIfUnused(g),
        log: (message) => {
          if (this.logger?.enabled('info')) this.logger.info(message);
        },
      });
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** An Empty group with no committed offsets is forgotten, as Kafka marks it Dead. */
  private dropIfUnused(group: Group): void {
    if (group.idle && !hasOffsets(this.offsets, group.groupId) && this.groups.get(group.groupId) === group) {
      this.groups.delete(group.groupId);
    }
  }

  join(input: JoinInput): Promise<JoinResult> {
    const fail = (errorCode: number): Promise<JoinResult> =>
      Promise.resolve({ errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId: input.memberId, members: [], skipAssignment: false });
    if (this.closed) return fail(ErrorCode.NOT_COORDINATOR);
    if (input.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.settings;
    if (input.sessionTimeoutMs < minSessionTimeoutMs || input.sessionTimeoutMs > maxSessionTimeoutMs) return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    const existing = this.groups.get(input.groupId);
    if (existing === undefined && input.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const group = existing ?? this.getOrCreate(input.groupId);
    return new Promise((resolve) => {
      group.join(input, resolve);
      this.dropIfUnused(group);
    });
  }

  sync(input: SyncInput): Promise<SyncResult> {
    const group = this.groups.get(input.groupId);
    const errorCode = this.closed ? ErrorCode.NOT_COORDINATOR : input.groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.UNKNOWN_MEMBER_ID;
    if (this.closed || group === undefined) return Promise.resolve({ errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    return new Promise((resolve) => group.sync(input, resolve));
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    const group = this.groups.get(groupId);
    if (group === undefined) return groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.UNKNOWN_MEMBER_ID;
    return group.heartbeat(memberId, groupInstanceId, generationId);
  }

  leave(groupId: string, members: MemberIdentity[]): LeaveResult[] {
    const group = this.groups.get(groupId);
    const errorCode = this.closed ? ErrorCode.NOT_COORDINATOR : ErrorCode.UNKNOWN_MEMBER_ID;
    if (this.closed || group === undefined) return members.map((m) => ({ ...m, errorCode }));
    const results = group.leave(members);
    this.dropIfUnused(group);
    return results;
  }

  /**
   * Validates an OffsetCommit's member and generation; NONE when the commit may proceed.
   * The group id '' is valid here, as in Kafka (offset APIs accept it for compatibility).
   */
  validateCommit(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    const group = this.groups.get(groupId);
    // A group unknown to the coordinator only stores offsets (admin tools, manual commits);
    // a commit naming a generation of it comes from a generation that no longer exists.
    if (group === undefined) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    return group.validateCommit(memberId, groupInstanceId, generationId);
  }

  commitOffsets(groupId: string, offsets: CommittedOffset[]): Promise<void> {
    return this.offsets.commitOffsets(groupId, offsets);
  }

  committedOffsets(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.offsets.committedOffsets(groupId);
  }

  describe(groupId: string): GroupSummary {
    const group = this.groups.get(groupId);
    if (group !== undefined) return group.summary();
    const state: GroupState = hasOffsets(this.offsets, groupId) ? 'Empty' : 'Dead';
    return { groupId, state, protocolType: '', protocolName: '', members: [] };
  }

  /** Every group: live ones and those known only by their committed offsets. */
  list(): ListedGroup[] {
    const out: ListedGroup[] = [];
    for (const group of this.groups.values()) out.push({ groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state });
    for (const groupId of this.offsets.offsetGroups()) {
      if (!this.groups.has(groupId) && hasOffsets(this.offsets, groupId)) out.push({ groupId, protocolType: '', state: 'Empty' });
    }
    return out;
  }

  /**
   * Deletes a group that has no members, with its committed offsets. The group is gone
   * from the coordinator at once; the answer waits for the durable WAL entry.
   */
  delete(groupId: string): number | Promise<number> {
    if (this.closed) return ErrorCode.NOT_COORDINATOR;
    const group = this.groups.get(groupId);
    if (group !== undefined && group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    const stored = this.offsets.committedOffsets(groupId) !== undefined;
    if (group === undefined && !stored) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group !== undefined) {
      group.close(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      this.groups.delete(groupId);
    }
    if (!stored) return ErrorCode.NONE;
    return this.offsets.deleteGroupOffsets(groupId).then(
      () => ErrorCode.NONE,
      () => ErrorCode.KAFKA_STORAGE_ERROR,
    );
  }

  /**
   * OffsetDelete, as Kafka's GroupCoordinator.handleDeleteOffsets: drops the group's
   * committed offsets of these partitions (a partition without one is simply NONE).
   * Group-level errors: INVALID_GROUP_ID for '', GROUP_ID_NOT_FOUND when the group neither
   * lives nor has offsets, NON_EMPTY_GROUP when it has members and its protocol type is not
   * "consumer". A consumer group with members keeps the offsets of the topics its members
   * subscribe to (GROUP_SUBSCRIBED_TO_TOPIC; all topics when that is not known) and loses
   * the others'. The answer waits for the durable WAL entry (KAFKA_STORAGE_ERROR if that fails).
   */
  deleteOffsets(groupId: string, partitions: ReadonlyArray<{ topic: string; partition: number }>): OffsetDeleteOutcome | Promise<OffsetDeleteOutcome> {
    if (this.closed) return { errorCode: ErrorCode.NOT_COORDINATOR, errors: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, errors: [] };
    const group = this.groups.get(groupId);
    // undefined: no topic is protected; null: every topic is (subscriptions not known).
    let subscribed: ReadonlySet<string> | null | undefined;
    if (group === undefined || group.state === 'Dead') {
      if (!hasOffsets(this.offsets, groupId)) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errors: [] };
    } else if (group.state !== 'Empty') {
      if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return { errorCode: ErrorCode.NON_EMPTY_GROUP, errors: [] };
      subscribed = group.subscribedTopics();
    }
    const errors = partitions.map((p) =>
      subscribed === undefined || (subscribed !== null && !subscribed.has(p.topic)) ? ErrorCode.NONE : ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
    );
    const eligible = partitions.filter((_, i) => errors[i] === ErrorCode.NONE);
    if (eligible.length === 0) return { errorCode: ErrorCode.NONE, errors };
    const deleted = this.offsets.deleteOffsets(groupId, eligible);
    // The offsets are gone at once: a live group left idle without offsets is forgotten.
    if (group !== undefined) this.dropIfUnused(group);
    return deleted.then(
      () => ({ errorCode: ErrorCode.NONE, errors }),
      () => ({ errorCode: ErrorCode.NONE, errors: errors.map((e) => (e === ErrorCode.NONE ? ErrorCode.KAFKA_STORAGE_ERROR : e)) }),
    );
  }

  /** Shutdown: every held join and sync is answered NOT_COORDINATOR, every timer cancelled. */
  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) group.close(ErrorCode.NOT_COORDINATOR);
    this.groups.clear();
  }
}
