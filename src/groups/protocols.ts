/**
 * Protocol bookkeeping of a group, as pure functions: whether a member's protocols fit
 * the group, and which protocol the members choose.
 */

import type { Protocol } from './types.js';

export interface ProtocolHolder {
  readonly memberId: string;
  readonly protocols: readonly Protocol[];
}

/** Same protocols with the same metadata, in the same order. */
export function sameProtocols(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

/**
 * Can a member with these protocols join (or rejoin) the group: a protocol type and at
 * least one protocol, the group's protocol type, and a protocol every other member
 * supports. (Kafka also counts the rejoining member's old protocols; leaving them out
 * lets a lone member change its protocols.)
 */
export function supportsProtocols(
  groupProtocolType: string | null,
  members: Iterable<ProtocolHolder>,
  memberId: string,
  protocolType: string,
  protocols: readonly Protocol[],
): boolean {
  if (protocolType === '' || protocols.length === 0) return false;
  const others = [...members].filter((m) => m.memberId !== memberId);
  if (others.length === 0) return true;
  if (protocolType !== groupProtocolType) return false;
  return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
}

/**
 * The protocol for the next generation: among the protocols every member supports, the
 * one most members name first (each member votes for its most preferred candidate); ties
 * go to the first member's preference. Members must share at least one protocol.
 */
export function selectProtocol(members: readonly ProtocolHolder[]): string {
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
