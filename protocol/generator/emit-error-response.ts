/**
 * Emits create<Api>ErrorResponse(request, errorCode, errorMessage): the answer to a request
 * refused as a whole, shaped the way Kafka's brokers shape one (AbstractRequest.getErrorResponse):
 * every ErrorCode field carries the error, every ErrorMessage field the message, and the
 * request's keys (topic names and ids, partition indexes, group and resource names) are echoed
 * wherever the response has the same field, one response entry per request entry. Everything
 * else keeps its default.
 *
 * Entries are paired by field name, or through RENAMED where Kafka names the two sides
 * differently (CreateAcls' Creations and Results, ...). A request list of keys (DescribeGroups'
 * group ids) gives one response entry per key, the key in the entry's first key field of its type.
 */
import type { FieldModel, MessageModel, StructModel } from './model.js';

/** Response field (`Api.Field`) -> the request field it answers, where the names differ. */
const RENAMED: Readonly<Record<string, string>> = {
  'Fetch.Responses': 'Topics',
  'Fetch.PartitionIndex': 'Partition',
  'OffsetFetch.Partitions': 'PartitionIndexes',
  'FindCoordinator.Coordinators': 'CoordinatorKeys',
  'CreateAcls.Results': 'Creations',
  'DeleteAcls.FilterResults': 'Filters',
  'DeleteGroups.Results': 'GroupsNames',
  'DescribeTransactions.TransactionStates': 'TransactionalIds',
  'DescribeProducers.Partitions': 'PartitionIndexes',
  'ConsumerGroupDescribe.Groups': 'GroupIds',
  'ShareGroupDescribe.Groups': 'GroupIds',
  'ElectLeaders.ReplicaElectionResults': 'TopicPartitions',
  'ElectLeaders.PartitionResult': 'Partitions',
  'AddPartitionsToTxn.ResultsByTransaction': 'Transactions',
  'AddPartitionsToTxn.TopicResults': 'Topics',
  'AddPartitionsToTxn.ResultsByTopicV3AndBelow': 'V3AndBelowTopics',
  'AddPartitionsToTxn.ResultsByPartition': 'Partitions',
};

/** Scalars echoed from request to response: keys, never values like timestamps or offsets. */
function isKey(f: FieldModel): boolean {
  if (f.spec.mapKey) return true;
  if (f.spec.name === 'ProducerId') return false;
  return /(Name|Names|Index|Indexes|Id|Ids|ResourceType|Topic|Partition)$/.test(f.spec.name);
}

function isErrorCode(f: FieldModel): boolean {
  return f.spec.name.endsWith('ErrorCode') && f.type.element === 'int16' && !f.type.array;
}

function isStructArray(f: FieldModel): boolean {
  return f.type.array && f.type.struct;
}

function sameScalar(a: FieldModel, b: FieldModel): boolean {
  return !a.type.struct && !b.type.struct && a.type.array === b.type.array && a.type.element === b.type.element;
}

export function emitErrorResponse(api: string, req: MessageModel, res: MessageModel): string {
  const reqStructs = new Map(req.structs.map((s) => [s.tsName, s]));
  const resStructs = new Map(res.structs.map((s) => [s.tsName, s]));

  const mirror = (out: StructModel, from: StructModel | null, src: string, depth: number): string => {
    const fromFields = new Map((from?.fields ?? []).map((f) => [f.spec.name, f]));
    const entries: string[] = [];
    for (const f of out.fields) {
      if (isErrorCode(f)) {
        entries.push(`${f.prop}: errorCode`);
        continue;
      }
      if (f.spec.name === 'ErrorMessage' && f.type.element === 'string' && !f.type.array) {
        entries.push(`${f.prop}: ${f.tsNullable ? 'errorMessage' : "errorMessage ?? ''"}`);
        continue;
      }
      const q = fromFields.get(RENAMED[`${api}.${f.spec.name}`] ?? f.spec.name);
      if (q === undefined) continue;
      const value = `${src}.${q.prop}`;
      if (isStructArray(f) && q.type.array) {
        const e = `e${depth}`;
        const child = resStructs.get(f.structTs!)!;
        let element: string;
        if (q.type.struct) {
          element = mirror(child, reqStructs.get(q.structTs!) ?? null, e, depth + 1);
        } else {
          // A list of keys: each key fills the entry's first key field of the same type.
          const key = child.fields.find((k) => isKey(k) && !k.type.array && !k.type.struct && k.type.element === q.type.element);
          const errors = child.fields.filter(isErrorCode).map((k) => `, ${k.prop}: errorCode`).join('');
          element = `{ ...create${child.tsName}()${key ? `, ${key.prop}: ${e}` : ''}${errors} }`;
        }
        const map = (list: string): string => `${list}.map((${e}) => (${element}))`;
        if (!q.tsNullable) entries.push(`${f.prop}: ${map(value)}`);
        else if (f.tsNullable) entries.push(`${f.prop}: ${value} === null ? null : ${map(value)}`);
        else entries.push(`${f.prop}: ${map(`(${value} ?? [])`)}`);
      } else if (sameScalar(f, q) && isKey(f) && (f.tsNullable || !q.tsNullable)) {
        entries.push(`${f.prop}: ${value}`);
      }
    }
    return `{ ...create${out.tsName}()${entries.map((e) => `, ${e}`).join('')} }`;
  };

  const Req = req.spec.name;
  const Res = res.spec.name;
  return [
    '/**',
    ` * The ${api} answer to a request refused as a whole: every error code is \`errorCode\`, every`,
    ' * error message `errorMessage`, and the request\'s keys are echoed (protocol/generator/emit-error-response.ts).',
    ' */',
    `export function create${api}ErrorResponse(request: ${Req}, errorCode: number, errorMessage: string | null): ${Res} {`,
    `  return ${mirror(res.structs[0], req.structs[0], 'request', 0)};`,
    '}',
    '',
  ].join('\n');
}
