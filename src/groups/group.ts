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
 * Timers, all from the injected scheduler: one session timer per member (re-armed by
 * every heartbeat, join, sync and commit; not armed while the member waits in a join or
 * sync, like Kafka's keep-alive rule), one per pending member id handed out with
 * MEMBER_ID_REQUIRED, the rebalance deadline, and the initial rebalance delay
 * (`group.initial.rebalance.delay.ms`) that lets a starting group gather its members.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import type { GroupState, GroupSummary, JoinInput, JoinResult, LeaveResult, MemberIdentity, Protocol, SyncInput, SyncResult } from './types.js';

const NO_BYTES = Buffer.alloc(0);

export interface GroupOptions {
  scheduler: Scheduler;
  /** Read at each first join, so a change applies to the next rebalance. */
  settings: { readonly initialRebalanceDelayMs: number };
  newMemberId(clientId: string): string;
  /** Called when the group may have become idle (see `idle`). */
  onEmpty(group: Group): void;
}

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  session: TimerHandle | null;
}

type JoinReply = (result: JoinResult) => void;
type SyncReply = (result: SyncResult) => void;

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: NO_BYTES };
}

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  private readonly members = new Map<string, Member>();
  /** group.instance.id -> member id of the static member holding it. */
  private readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, expiring after the session timeout. */
  private readonly pendingMembers = new Map<string, TimerHandle>();
  private readonly pendingJoins = new Map<string, JoinReply>();
  private readonly pendingSyncs = new Map<string, SyncReply>();
  private rebalanceTimer: TimerHandle | null = null;
  private initialDelay: { timer: TimerHandle; remainingMs: number; newMemberAdded: boolean } | null = null;

  constructor(
    readonly groupId: string,
    private readonly options: GroupOptions,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** Empty, without members or member ids waiting to join: nothing to keep but offsets. */
  get idle(): boolean {
    return this.state === 'Empty' && this.members.size === 0 && this.pendingMembers.size === 0;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  // ---- JoinGroup -------------------------------------------------------------------

  join(input: JoinInput, reply: JoinReply): void {
    if (this.state === 'Dead') return reply(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, input.memberId));
    if (!this.supportsProtocols(input.protocolType, input.protocols, input.memberId)) {
      return reply(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, input.memberId));
    }
    if (input.memberId === '') return this.joinUnknownMember(input, reply);

    const pending = this.pendingMembers.get(input.memberId);
    if (pending !== undefined) {
      pending.cancel();
      this.pendingMembers.delete(input.memberId);
      return this.addMemberAndRebalance(input, input.memberId, reply);
    }
    if (this.isFenced(input.memberId, input.groupInstanceId)) return reply(joinError(ErrorCode.FENCED_INSTANCE_ID, input.memberId));
    const member = this.members.get(input.memberId);
    if (member === undefined) return reply(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));

    switch (this.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(member, input, reply);
      case 'CompletingRebalance':
        // A member that lost the JoinGroup answer asks again with unchanged metadata:
        // hand it the same generation instead of starting another rebalance.
        if (sameProtocols(member.protocols, input.protocols)) {
          this.touch(member);
          return reply(this.joinResult(member.memberId, false));
        }
        return this.updateMemberAndRebalance(member, input, reply);
      case 'Stable':
        if (member.memberId === this.leaderId || !sameProtocols(member.protocols, input.protocols)) {
          return this.updateMemberAndRebalance(member, input, reply);
        }
        this.touch(member);
        return reply(this.joinResult(member.memberId, false));
      default:
        return reply(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
    }
  }

  private joinUnknownMember(input: JoinInput, reply: JoinReply): void {
    const memberId = this.options.newMemberId(input.clientId);
    if (input.groupInstanceId !== null) {
      const previous = this.staticMembers.get(input.groupInstanceId);
      if (previous !== undefined && this.members.has(previous)) return this.replaceStaticMember(previous, memberId, input, reply);
      return this.addMemberAndRebalance(input, memberId, reply);
    }
    if (input.requireKnownMemberId) {
      const timer = this.options.scheduler.schedule(input.sessionTimeoutMs, () => this.expirePendingMember(memberId));
      this.pendingMembers.set(memberId, timer);
      return reply(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.addMemberAndRebalance(input, memberId, reply);
  }

  private addMemberAndRebalance(input: JoinInput, memberId: string, reply: JoinReply): void {
    if (this.members.size === 0) this.protocolType = input.protocolType;
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
    this.members.set(memberId, member);
    if (input.groupInstanceId !== null) this.staticMembers.set(input.groupInstanceId, memberId);
    if (this.initialDelay !== null) this.initialDelay.newMemberAdded = true;
    this.holdJoin(member, reply);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
  }

  private updateMemberAndRebalance(member: Member, input: JoinInput, reply: JoinReply): void {
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.protocolType = input.protocolType;
    member.protocols = input.protocols;
    this.holdJoin(member, reply);
    this.maybePrepareRebalance();
    this.tryCompleteJoin();
  }

  /**
   * A static member (known group.instance.id) rejoins without its member id, e.g. after
   * a restart: the new id replaces the old one, and the old id is fenced. With unchanged
   * metadata in a Stable group it gets the current generation without a rebalance.
   */
  private replaceStaticMember(oldId: string, newId: string, input: JoinInput, reply: JoinReply): void {
    const member = this.members.get(oldId)!;
    this.pendingJoins.get(oldId)?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    this.pendingJoins.delete(oldId);
    this.pendingSyncs.get(oldId)?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    this.pendingSyncs.delete(oldId);
    this.members.delete(oldId);
    member.memberId = newId;
    this.members.set(newId, member);
    this.staticMembers.set(input.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;

    if (this.state === 'Stable' && sameProtocols(member.protocols, input.protocols) && member.protocolType === input.protocolType) {
      member.clientId = input.clientId;
      member.clientHost = input.clientHost;
      member.sessionTimeoutMs = input.sessionTimeoutMs;
      member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
      this.touch(member);
      const isLeader = newId === this.leaderId;
      const skip = isLeader && input.supportsSkipAssignment;
      const result = this.joinResult(newId, skip);
      if (!skip) result.members = [];
      return reply(result);
    }
    this.updateMemberAndRebalance(member, input, reply);
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

  private prepareRebalance(): void {
    if (this.state === 'CompletingRebalance') this.resetAssignments(ErrorCode.REBALANCE_IN_PROGRESS);
    const wasEmpty = this.state === 'Empty';
    this.state = 'PreparingRebalance';
    const rebalanceTimeoutMs = Math.max(0, ...[...this.members.values()].map((m) => m.rebalanceTimeoutMs));
    const delayMs = this.options.settings.initialRebalanceDelayMs;
    if (wasEmpty && delayMs > 0) {
      const first = Math.min(delayMs, rebalanceTimeoutMs);
      this.initialDelay = {
        timer: this.options.scheduler.schedule(first, () => this.onInitialDelay()),
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
    if (this.pendingJoins.size === this.members.size && this.pendingMembers.size === 0) this.completeJoin();
  }

  /** Ends the join phase: drops members that did not rejoin, starts the next generation. */
  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.initialDelay?.timer.cancel();
    this.initialDelay = null;
    for (const member of [...this.members.values()]) if (!this.pendingJoins.has(member.memberId)) this.removeMember(member);

    this.generationId++;
    if (this.members.size === 0) {
      this.state = 'Empty';
      this.protocolName = null;
      this.leaderId = null;
      this.options.onEmpty(this);
      return;
    }
    this.state = 'CompletingRebalance';
    this.protocolName = this.selectProtocol();
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!;
    const joins = [...this.pendingJoins];
    this.pendingJoins.clear();
    for (const [memberId, reply] of joins) {
      const member = this.members.get(memberId)!;
      this.touch(member);
      reply(this.joinResult(memberId, false));
    }
  }

  private joinResult(memberId: string, skipAssignment: boolean): JoinResult {
    const isLeader = memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId,
      members: isLeader
        ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.metadataOf(m) }))
        : [],
      skipAssignment,
    };
  }

  private metadataOf(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? NO_BYTES;
  }

  /** A protocol every member supports, chosen by the members' first preferences. */
  private selectProtocol(): string {
    const members = [...this.members.values()];
    const candidates = members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of members) {
      const vote = m.protocols.find((p) => votes.has(p.name));
      if (vote !== undefined) votes.set(vote.name, votes.get(vote.name)! + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  /** Can a member with these protocols join (or rejoin) the group as it is? */
  private supportsProtocols(protocolType: string, protocols: Protocol[], memberId: string): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    const others = [...this.members.values()].filter((m) => m.memberId !== memberId);
    if (others.length === 0) return true;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  // ---- SyncGroup, Heartbeat, LeaveGroup --------------------------------------------

  sync(input: SyncInput, reply: SyncReply): void {
    if (this.state === 'Dead') return reply(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (this.isFenced(input.memberId, input.groupInstanceId)) return reply(syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = this.members.get(input.memberId);
    if (member === undefined) return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
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
        this.touch(member);
        if (member.memberId === this.leaderId) this.completeSync(input.assignments);
        return;
      }
      case 'Stable':
        this.touch(member);
        return reply(this.syncResult(member));
      default:
        return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private completeSync(assignments: Map<string, Buffer>): void {
    for (const member of this.members.values()) member.assignment = assignments.get(member.memberId) ?? NO_BYTES;
    this.state = 'Stable';
    const syncs = [...this.pendingSyncs];
    this.pendingSyncs.clear();
    for (const [memberId, reply] of syncs) {
      const member = this.members.get(memberId)!;
      this.touch(member);
      reply(this.syncResult(member));
    }
  }

  private syncResult(member: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: member.assignment };
  }

  /** Drops every assignment and answers held syncs: the generation is being replaced. */
  private resetAssignments(errorCode: number): void {
    for (const member of this.members.values()) member.assignment = NO_BYTES;
    const syncs = [...this.pendingSyncs];
    this.pendingSyncs.clear();
    for (const [memberId, reply] of syncs) {
      reply(syncError(errorCode));
      const member = this.members.get(memberId);
      if (member !== undefined) this.touch(member);
    }
  }

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = this.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
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
      const pending = this.pendingMembers.get(identity.memberId);
      if (pending !== undefined && identity.groupInstanceId === null) {
        pending.cancel();
        this.pendingMembers.delete(identity.memberId);
        this.tryCompleteJoin();
        return result(ErrorCode.NONE);
      }
      let memberId = identity.memberId;
      if (identity.groupInstanceId !== null) {
        const holder = this.staticMembers.get(identity.groupInstanceId);
        if (holder === undefined) return result(ErrorCode.UNKNOWN_MEMBER_ID);
        if (memberId !== '' && holder !== memberId) return result(ErrorCode.FENCED_INSTANCE_ID);
        memberId = holder;
      }
      const member = this.members.get(memberId);
      if (member === undefined) return result(ErrorCode.UNKNOWN_MEMBER_ID);
      this.removeMemberAndUpdate(member);
      return result(ErrorCode.NONE);
    });
  }

  /**
   * Offset commits from group members are checked like Kafka does; a commit with a
   * negative generation and no member is accepted only while the group has no members.
   * A valid member commit counts as a heartbeat.
   */
  validateCommit(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && this.state === 'Empty') return ErrorCode.NONE;
    if (this.isFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const member = this.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(member);
    return ErrorCode.NONE;
  }

  // ---- membership bookkeeping -------------------------------------------------------

  private isFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const holder = this.staticMembers.get(groupInstanceId);
    return holder !== undefined && holder !== memberId;
  }

  /** Re-arms the member's session timer; no timer while it waits in a join or a sync. */
  private touch(member: Member): void {
    member.session?.cancel();
    member.session = null;
    if (this.pendingJoins.has(member.memberId) || this.pendingSyncs.has(member.memberId)) return;
    const memberId = member.memberId;
    member.session = this.options.scheduler.schedule(member.sessionTimeoutMs, () => this.expireMember(memberId));
  }

  private expireMember(memberId: string): void {
    const member = this.members.get(memberId);
    if (member !== undefined) this.removeMemberAndUpdate(member);
  }

  private expirePendingMember(memberId: string): void {
    if (!this.pendingMembers.delete(memberId)) return;
    this.tryCompleteJoin();
    if (this.idle) this.options.onEmpty(this);
  }

  private removeMember(member: Member): void {
    member.session?.cancel();
    member.session = null;
    this.members.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === member.memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
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
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? this.metadataOf(m) : NO_BYTES,
        assignment: stable ? m.assignment : NO_BYTES,
      })),
    };
  }

  /** Ends the group (DeleteGroups, or shutdown): cancels every timer, answers every held request. */
  close(errorCode: number): void {
    this.state = 'Dead';
    this.rebalanceTimer?.cancel();
    this.rebalanceTimer = null;
    this.initialDelay?.timer.cancel();
    this.initialDelay = null;
    for (const timer of this.pendingMembers.values()) timer.cancel();
    this.pendingMembers.clear();
    for (const member of this.members.values()) member.session?.cancel();
    for (const [memberId, reply] of this.pendingJoins) reply(joinError(errorCode, memberId));
    this.pendingJoins.clear();
    for (const reply of this.pendingSyncs.values()) reply(syncError(errorCode));
    this.pendingSyncs.clear();
  }
}
