/**
 * One consumer group (classic protocol) as a state machine with a single owner: every
 * change goes through a method of this class, synchronously, so no logical critical
 * section ever spans an `await`. States and transitions follow Kafka's GroupCoordinator:
 *
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance
 *   CompletingRebalance --leader's SyncGroup--> Stable
 *   Stable / CompletingRebalance --join with new metadata, leave, expiry--> PreparingRebalance
 *   PreparingRebalance --nobody left--> Empty;  any --DeleteGroups--> Dead
 *
 * The requests the group holds back are explicit queues: `pendingJoins` (JoinGroup
 * answers held until the rebalance completes) and `pendingSyncs` (SyncGroup answers held
 * until the leader's assignment arrives). Every held request is answered exactly once,
 * with an error if the member is removed or replaced, or NOT_COORDINATOR at shutdown, so
 * a connection's ordered responses never stall.
 *
 * Timers, all from the injected scheduler (no polling loop): one session timer per
 * member (re-armed by every heartbeat, join, sync and commit; not armed while the member
 * waits in a join or sync, like Kafka's keep-alive rule), one per pending member id handed
 * out with MEMBER_ID_REQUIRED, the rebalance deadline (dynamic members that have not
 * rejoined by then are dropped; static ones stay until their session expires), the sync
 * deadline (members of a new generation that send no SyncGroup within the rebalance
 * timeout are dropped), and the initial rebalance delay (`group.initial.rebalance.delay.ms`)
 * that lets a starting group gather its members.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import { CONSUMER_PROTOCOL_TYPE, readSubscribedTopics } from './consumer-protocol.js';
import { sameProtocols, selectProtocol, supportsProtocols } from './protocols.js';
import { Roster, type Member } from './roster.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import type { GroupState, GroupSummary, JoinInput, JoinResult, LeaveResult, MemberIdentity, SyncInput, SyncResult } from './types.js';

const NO_BYTES = Buffer.alloc(0);

export interface GroupOptions {
  scheduler: Scheduler;
  /** Read at each first join, so a change applies to the next rebalance. */
  settings: { readonly initialRebalanceDelayMs: number };
  newMemberId(clientId: string): string;
  /** Called when the group may have become idle (see `idle`). */
  onEmpty(group: Group): void;
  /** Rebalances and removals, as Kafka logs them (info); rare, so never on a hot path. */
  log(message: string): void;
}

type JoinReply = (result: JoinResult) => void;
type SyncReply = (result: SyncResult) => void;

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES };
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Members, static instance ids, and member ids handed out with MEMBER_ID_REQUIRED. */
  private readonly roster: Roster;
  private readonly pendingJoins = new Map<string, JoinReply>();
  private readonly pendingSyncs = new Map<string, SyncReply>();
  /** Members of a new generation that have not sent SyncGroup yet, and the deadline for them. */
  private readonly awaitingSync = new Set<string>();
  private syncTimer: TimerHandle | null = null;
  private rebalanceTimer: TimerHandle | null = null;
  private initialDelay: { timer: TimerHandle; remainingMs: number; newMemberAdded: boolean } | null = null;

  constructor(
    readonly groupId: string,
    private readonly options: GroupOptions,
  ) {
    this.roster = new Roster(options.scheduler, {
      sessionExpired: (memberId) => this.expireMember(memberId),
      pendingExpired: () => this.expirePendingMember(),
    });
  }

  get size(): number {
    return this.roster.size;
  }

  /** Empty, without members or member ids waiting to join: nothing to keep but offsets. */
  get idle(): boolean {
    return this.state === 'Empty' && this.roster.size === 0 && this.roster.pendingCount === 0;
  }

  hasMember(memberId: string): boolean {
    return this.roster.has(memberId);
  }

  /** How many JoinGroup and SyncGroup requests the group holds back (diagnostics, tests). */
  get held(): { joins: number; syncs: number } {
    return { joins: this.pendingJoins.size, syncs: this.pendingSyncs.size };
  }

  // ---- JoinGroup -------------------------------------------------------------------

  join(input: JoinInput, reply: JoinReply): void {
    if (this.state === 'Dead') return reply(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, input.memberId));
    if (!supportsProtocols(this.protocolType, this.roster.members(), input.memberId, input.protocolType, input.protocols)) {
      return reply(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, input.memberId));
    }
    if (input.memberId === '') return this.joinUnknownMember(input, reply);

    if (this.roster.takePending(input.memberId)) return this.addMemberAndRebalance(input, input.memberId, reply);
    const error = this.roster.memberError(input.memberId, input.groupInstanceId);
    if (error !== ErrorCode.NONE) return reply(joinError(error, input.memberId));
    const member = this.roster.get(input.memberId)!;

    switch (this.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, input, reply);
      case 'CompletingRebalance':
        // A member that lost the JoinGroup answer asks again with unchanged metadata:
        // hand it the same generation instead of starting another rebalance.
        if (sameProtocols(member.protocols, input.protocols)) {
          this.touch(member);
          return reply(this.joinResult(member.memberId));
        }
        return this.updateMemberAndRebalance(member, input, reply);
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to metadata
        // changes (new partitions) that do not change any member's metadata.
        if (member.memberId === this.leaderId || !sameProtocols(member.protocols, input.protocols)) {
          return this.updateMemberAndRebalance(member, input, reply);
        }
        this.touch(member);
        return reply(this.joinResult(member.memberId));
      default:
        return reply(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
    }
  }

  private joinUnknownMember(input: JoinInput, reply: JoinReply): void {
    const memberId = this.options.newMemberId(input.clientId);
    if (input.groupInstanceId !== null) {
      const previous = this.roster.staticHolder(input.groupInstanceId);
      if (previous !== undefined) return this.replaceStaticMember(previous, memberId, input, reply);
      return this.addMemberAndRebalance(input, memberId, reply);
    }
    if (input.requireKnownMemberId) {
      this.roster.addPending(memberId, input.sessionTimeoutMs);
      return reply(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.addMemberAndRebalance(input, memberId, reply);
  }

  private addMemberAndRebalance(input: JoinInput, memberId: string, reply: JoinReply): void {
    if (this.roster.size === 0) this.protocolType = input.protocolType;
    const member: Member = {
      memberId,
      groupInstanceId: input.groupInstanceId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocolType: input.protocolType,
      protocols: input.protocols,
      assignment: NO_BYTES,
      session: null,
    };
    this.roster.add(member);
    if (this.initialDelay !== null) this.initialDelay.newMemberAdded = true;
    this.holdJoin(member, reply);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
  }

  private updateMember(member: Member, input: JoinInput): void {
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.protocolType = input.protocolType;
    member.protocols = input.protocols;
  }

  private updateMemberAndRebalance(member: Member, input: JoinInput, reply: JoinReply): void {
    this.updateMember(member, input);
    this.holdJoin(member, reply);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
  }

  /**
   * A static member (known group.instance.id) rejoins without its member id, e.g. after
   * a restart: the new id replaces the old one, which is fenced from now on. In a Stable
   * group whose chosen protocol stays the same it gets the current generation without a
   * rebalance (the leader learns it leads only from v9, with skipAssignment; before v9
   * the answer names the previous leader id so the member does not run an assignment).
   */
  private replaceStaticMember(oldId: string, newId: string, input: JoinInput, reply: JoinReply): void {
    const previousLeader = this.leaderId ?? '';
    const member = this.roster.get(oldId)!;
    this.pendingJoins.get(oldId)?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    this.pendingJoins.delete(oldId);
    this.pendingSyncs.get(oldId)?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.pendingSyncs.delete(oldId);
    if (this.awaitingSync.delete(oldId)) this.awaitingSync.add(newId);
    this.roster.rename(member, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    this.updateMember(member, input);

    if (this.state === 'Stable' && selectProtocol([...this.roster.members()]) === this.protocolName) {
      this.touch(member);
      const isLeader = newId === this.leaderId;
      if (input.supportsSkipAssignment) return reply({ ...this.joinResult(newId), skipAssignment: isLeader });
      return reply({ ...this.joinResult(newId), leader: previousLeader, members: [] });
    }
    this.holdJoin(member, reply);
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    this.tryCompleteJoin();
  }

  private holdJoin(member: Member, reply: JoinReply): void {
    const previous = this.pendingJoins.get(member.memberId);
    if (previous !== undefined) previous(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    this.pendingJoins.set(member.memberId, reply);
    this.touch(member);
  }

  private maybePrepareRebalance(): void {
    if (this.state === 'Stable' || this.state === 'CompletingRebalance' || this.state === 'Empty') this.prepareRebalance();
  }

  private rebalanceTimeoutMs(): number {
    let timeout = 0;
    for (const m of this.roster.members()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    return timeout;
  }

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') this.resetAssignments(ErrorCode.REBALANCE_IN_PROGRESS);
    this.clearAwaitingSync();
    const wasEmpty = this.state === 'Empty';
    this.state = 'PreparingRebalance';
    const rebalanceTimeoutMs = this.rebalanceTimeoutMs();
    const delayMs = this.options.settings.initialRebalanceDelayMs;
    if (wasEmpty && delayMs > 0) {
      this.initialDelay = {
        timer: this.options.scheduler.schedule(delayMs, () => this.onInitialDelay()),
        remainingMs: Math.max(rebalanceTimeoutMs - delayMs, 0),
        newMemberAdded: false,
      };
    } else {
      this.rebalanceTimer = this.options.scheduler.schedule(rebalanceTimeoutMs, () => this.completeJoin());
    }
  }

  /** Kafka's InitialDelayedJoin: wait again while new members keep arriving, within the rebalance timeout. */
  private onInitialDelay(): void {
    const delay = this.initialDelay!;
    if (delay.newMemberAdded && delay.remainingMs > 0) {
      const next = Math.min(this.options.settings.initialRebalanceDelayMs, delay.remainingMs);
      this.initialDelay = {
        timer: this.options.scheduler.schedule(next, () => this.onInitialDelay()),
        remainingMs: delay.remainingMs - next,
        newMemberAdded: false,
      };
      return;
    }
    this.initialDelay = null;
    this.completeJoin();
  }

  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.initialDelay !== null) return;
    if (this.pendingJoins.size === this.roster.size && this.roster.pendingCount === 0) this.completeJoin();
  }

  /**
   * Ends the join phase: drops dynamic members that did not rejoin (static members stay,
   * until their session expires), elects a leader among the members that did, and
   * starts the next generation.
   */
  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.initialDelay?.timer.cancel();
    this.initialDelay = null;
    for (const member of [...this.roster.members()]) {
      if (this.pendingJoins.has(member.memberId) || member.groupInstanceId !== null) continue;
      this.options.log(`group ${this.groupId}: removing member ${member.memberId}, which did not rejoin within the rebalance timeout`);
      this.removeMember(member);
    }
    if (this.leaderId === null || !this.pendingJoins.has(this.leaderId)) this.leaderId = this.pendingJoins.keys().next().value ?? null;
    if (this.leaderId === null && this.roster.size > 0) {
      // Only static members that have not rejoined are left: wait another rebalance
      // timeout, during which they rejoin or their sessions expire.
      this.rebalanceTimer = this.options.scheduler.schedule(this.rebalanceTimeoutMs(), () => this.completeJoin());
      return;
    }

    this.generationId++;
    if (this.roster.size === 0) {
      this.state = 'Empty';
      this.protocolName = null;
      this.options.log(`group ${this.groupId} is empty at generation ${this.generationId}`);
      this.options.onEmpty(this);
      return;
    }
    this.state = 'CompletingRebalance';
    this.protocolName = selectProtocol([...this.roster.members()]);
    this.options.log(`group ${this.groupId} formed generation ${this.generationId} with ${this.roster.size} member(s), protocol ${this.protocolName}, leader ${this.leaderId}`);
    const joins = [...this.pendingJoins];
    this.pendingJoins.clear();
    for (const [memberId, reply] of joins) {
      this.touch(this.roster.get(memberId)!);
      reply(this.joinResult(memberId));
    }
    // Every member must now send SyncGroup within the rebalance timeout (Kafka's pending sync).
    for (const memberId of this.roster.ids()) this.awaitingSync.add(memberId);
    const generation = this.generationId;
    this.syncTimer = this.options.scheduler.schedule(this.rebalanceTimeoutMs(), () => this.expireAwaitingSync(generation));
  }

  private joinResult(memberId: string): JoinResult {
    const isLeader = memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId,
      members: isLeader
        ? [...this.roster.members()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.metadataOf(m) }))
        : [],
      skipAssignment: false,
    };
  }

  private metadataOf(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? NO_BYTES;
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup --------------------------------------------

  sync(input: SyncInput, reply: SyncReply): void {
    if (this.state === 'Dead') return reply(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const error = this.roster.memberError(input.memberId, input.groupInstanceId);
    if (error !== ErrorCode.NONE) return reply(syncError(error));
    const member = this.roster.get(input.memberId)!;
    if (input.generationId !== this.generationId) return reply(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((input.protocolType !== null && input.protocolType !== this.protocolType) || (input.protocolName !== null && input.protocolName !== this.protocolName)) {
      return reply(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (this.state) {
      case 'PreparingRebalance':
        return reply(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        const previous = this.pendingSyncs.get(member.memberId);
        if (previous !== undefined) previous(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        this.pendingSyncs.set(member.memberId, reply);
        this.synced(member.memberId);
        this.touch(member);
        if (member.memberId === this.leaderId) this.completeSync(input.assignments);
        return;
      }
      case 'Stable':
        this.synced(member.memberId);
        this.touch(member);
        return reply(this.syncResult(member));
      default:
        return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private completeSync(assignments: Map<string, Buffer>): void {
    for (const member of this.roster.members()) member.assignment = assignments.get(member.memberId) ?? NO_BYTES;
    this.state = 'Stable';
    const syncs = [...this.pendingSyncs];
    this.pendingSyncs.clear();
    for (const [memberId, reply] of syncs) {
      const member = this.roster.get(memberId)!;
      this.touch(member);
      reply(this.syncResult(member));
    }
  }

  private syncResult(member: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment };
  }

  /** Drops every assignment and answers held syncs: the generation is being replaced. */
  private resetAssignments(errorCode: number): void {
    for (const member of this.roster.members()) member.assignment = NO_BYTES;
    const syncs = [...this.pendingSyncs];
    this.pendingSyncs.clear();
    for (const [memberId, reply] of syncs) {
      reply(syncError(errorCode));
      const member = this.roster.get(memberId);
      if (member !== undefined) this.touch(member);
    }
  }

  private synced(memberId: string): void {
    if (this.awaitingSync.delete(memberId) && this.awaitingSync.size === 0) this.clearAwaitingSync();
  }

  private clearAwaitingSync(): void {
    this.awaitingSync.clear();
    this.syncTimer?.cancel();
    this.syncTimer = null;
  }

  /** Members that joined a generation but never sent SyncGroup are removed, and the group rebalances. */
  private expireAwaitingSync(generation: number): void {
    this.syncTimer = null;
    if (generation !== this.generationId || (this.state !== 'CompletingRebalance' && this.state !== 'Stable')) return;
    for (const memberId of [...this.awaitingSync]) {
      const member = this.roster.get(memberId);
      if (member === undefined) continue;
      this.options.log(`group ${this.groupId}: removing member ${memberId}, which sent no SyncGroup within the rebalance timeout`);
      this.removeMember(member);
    }
    this.awaitingSync.clear();
    this.prepareRebalance();
    this.tryCompleteJoin();
  }

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const error = this.roster.memberError(memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = this.roster.get(memberId)!;
    switch (this.state) {
      case 'PreparingRebalance':
        this.touch(member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.touch(member);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  /** Removes members (by id, or by group.instance.id when the id is ''); one result each. */
  leave(identities: MemberIdentity[]): LeaveResult[] {
    return identities.map((identity) => {
      const result = (errorCode: number): LeaveResult => ({ ...identity, errorCode });
      if (this.state === 'Dead') return result(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      if (identity.memberId === '') {
        const holder = identity.groupInstanceId === null ? undefined : this.roster.staticHolder(identity.groupInstanceId);
        if (holder === undefined) return result(ErrorCode.UNKNOWN_MEMBER_ID);
        this.removeMemberAndUpdate(this.roster.get(holder)!);
        return result(ErrorCode.NONE);
      }
      if (this.roster.takePending(identity.memberId)) {
        this.tryCompleteJoin();
        return result(ErrorCode.NONE);
      }
      const error = this.roster.memberError(identity.memberId, identity.groupInstanceId);
      if (error !== ErrorCode.NONE) return result(error);
      this.removeMemberAndUpdate(this.roster.get(identity.memberId)!);
      return result(ErrorCode.NONE);
    });
  }

  /**
   * Checks an offset commit like Kafka: with generation < 0 and no member (admin tools,
   * manual offset management) only while the group has no members; otherwise the member
   * and generation must be current, and not while the group waits for its assignment. A
   * valid member commit counts as a heartbeat.
   */
  validateCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    if (generationId < 0 && memberId === '' && groupInstanceId === null) return ErrorCode.UNKNOWN_MEMBER_ID;
    const error = this.roster.memberError(memberId, groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(this.roster.get(memberId)!);
    return ErrorCode.NONE;
  }

  // ---- membership bookkeeping -------------------------------------------------------

  /** Re-arms the member's session timer; no timer while it waits in a join or a sync. */
  private touch(member: Member): void {
    if (this.pendingJoins.has(member.memberId) || this.pendingSyncs.has(member.memberId)) this.roster.disarm(member);
    else this.roster.arm(member);
  }

  private expireMember(memberId: string): void {
    const member = this.roster.get(memberId);
    if (member === undefined) return;
    this.options.log(`group ${this.groupId}: member ${memberId} failed to heartbeat within its ${member.sessionTimeoutMs} ms session, removing it`);
    this.removeMemberAndUpdate(member);
  }

  private expirePendingMember(): void {
    this.tryCompleteJoin();
    if (this.idle) this.options.onEmpty(this);
  }

  private removeMember(member: Member): void {
    this.roster.remove(member);
    this.awaitingSync.delete(member.memberId);
    this.pendingJoins.get(member.memberId)?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    this.pendingJoins.delete(member.memberId);
    this.pendingSyncs.get(member.memberId)?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    this.pendingSyncs.delete(member.memberId);
    if (this.leaderId === member.memberId) this.leaderId = null;
  }

  private removeMemberAndUpdate(member: Member): void {
    this.removeMember(member);
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance();
    this.tryCompleteJoin();
  }

  // ---- admin ---------------------------------------------------------------------------

  summary(): GroupSummary {
    const stable = this.state === 'Stable';
    return {
      groupId: this.groupId,
      state: this.state,
      protocolType: this.protocolType ?? '',
      protocolName: stable ? (this.protocolName ?? '') : '',
      members: [...this.roster.members()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? this.metadataOf(m) : NO_BYTES,
        assignment: stable ? m.assignment : NO_BYTES,
      })),
    };
  }

  /**
   * The topics the members of a "consumer" group subscribe to (their metadata for the
   * chosen protocol), for OffsetDelete; empty without members. null when not known (no
   * protocol chosen yet, or a member's metadata does not parse): then, as in Kafka, every
   * topic counts as subscribed. Kafka keeps the set computed when the generation formed;
   * this reads the current members, which gives the same set within a generation.
   */
  subscribedTopics(): ReadonlySet<string> | null {
    if (this.roster.size === 0) return new Set();
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.roster.members()) {
      const protocol = m.protocols.find((p) => p.name === this.protocolName);
      const subscribed = protocol === undefined ? null : readSubscribedTopics(protocol.metadata);
      if (subscribed === null) return null;
      for (const t of subscribed) topics.add(t);
    }
    return topics;
  }

  /** Ends the group (DeleteGroups, or shutdown): cancels every timer, answers every held request. */
  close(errorCode: number): void {
    this.state = 'Dead';
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.initialDelay?.timer.cancel();
    this.initialDelay = null;
    this.clearAwaitingSync();
    this.roster.cancelTimers();
    for (const [memberId, reply] of this.pendingJoins) reply(joinError(errorCode, memberId));
    this.pendingJoins.clear();
    for (const reply of this.pendingSyncs.values()) reply(syncError(errorCode));
    this.pendingSyncs.clear();
  }
}
