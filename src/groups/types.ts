/**
 * The coordinator's own request and result shapes: plain data, independent of the wire
 * versions, so the state machine is tested without codecs and handlers only translate.
 */

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinInput {
  groupId: string;
  /** '' for a member joining for the first time. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+: a member without an id first gets one with MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader gets the members and skipAssignment. */
  supportsSkipAssignment: boolean;
}

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Every member with its metadata for the chosen protocol; only the leader gets them. */
  members: JoinMember[];
  skipAssignment: boolean;
}

export interface SyncInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  /** SyncGroup v5+: checked against the group's when not null. */
  protocolType: string | null;
  protocolName: string | null;
  /** The leader's assignment per member id; empty from followers. */
  assignments: Map<string, Buffer>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveResult extends MemberIdentity {
  errorCode: number;
}

export interface MemberSummary {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The chosen protocol while Stable, '' otherwise (as Kafka reports it). */
  protocolName: string;
  members: MemberSummary[];
}
