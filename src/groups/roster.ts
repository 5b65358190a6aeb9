/**
 * Who belongs to a group: its members (with their session timers), the static members'
 * group.instance.id mapping, and the member ids handed out with MEMBER_ID_REQUIRED that
 * have not joined yet. Owned by one Group (group.ts), which decides when timers run; the
 * roster only keeps the books and reports expiries back through its callbacks.
 */

import { ErrorCode } from '../../protocol/generated/errors.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import type { Protocol } from './types.js';

export interface Member {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  assignment: Buffer;
  session: TimerHandle | null;
}

export interface RosterEvents {
  /** A member's session timer ran out. */
  sessionExpired(memberId: string): void;
  /** A member id handed out with MEMBER_ID_REQUIRED was not used in time. */
  pendingExpired(memberId: string): void;
}

export class Roster {
  private readonly byId = new Map<string, Member>();
  /** group.instance.id -> member id of the static member holding it. */
  private readonly staticIds = new Map<string, string>();
  private readonly pending = new Map<string, TimerHandle>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly events: RosterEvents,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get(memberId: string): Member | undefined {
    return this.byId.get(memberId);
  }

  has(memberId: string): boolean {
    return this.byId.has(memberId);
  }

  members(): IterableIterator<Member> {
    return this.byId.values();
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  /** The member id currently holding a group.instance.id. */
  staticHolder(groupInstanceId: string): string | undefined {
    return this.staticIds.get(groupInstanceId);
  }

  add(member: Member): void {
    this.byId.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticIds.set(member.groupInstanceId, member.memberId);
  }

  remove(member: Member): void {
    this.disarm(member);
    this.byId.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticIds.get(member.groupInstanceId) === member.memberId) {
      this.staticIds.delete(member.groupInstanceId);
    }
  }

  /** A static member takes a new member id; the old one is unknown from now on. */
  rename(member: Member, newId: string): void {
    this.disarm(member);
    this.byId.delete(member.memberId);
    member.memberId = newId;
    this.add(member);
  }

  /** Kafka's validateCurrentMember: a static member's instance id must map to this member id. */
  memberError(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const holder = this.staticIds.get(groupInstanceId);
      if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return this.byId.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** (Re)starts the member's session timer. */
  arm(member: Member): void {
    this.disarm(member);
    const memberId = member.memberId;
    member.session = this.scheduler.schedule(member.sessionTimeoutMs, () => this.events.sessionExpired(memberId));
  }

  disarm(member: Member): void {
    member.session?.cancel();
    member.session = null;
  }

  addPending(memberId: string, sessionTimeoutMs: number): void {
    this.pending.set(
      memberId,
      this.scheduler.schedule(sessionTimeoutMs, () => {
        if (this.pending.delete(memberId)) this.events.pendingExpired(memberId);
      }),
    );
  }

  /** Removes a pending member id; false if it was not pending. */
  takePending(memberId: string): boolean {
    const timer = this.pending.get(memberId);
    if (timer === undefined) return false;
    timer.cancel();
    this.pending.delete(memberId);
    return true;
  }

  /** Cancels every timer (the group is ending). */
  cancelTimers(): void {
    for (const timer of this.pending.values()) timer.cancel();
    this.pending.clear();
    for (const member of this.byId.values()) this.disarm(member);
  }
}
