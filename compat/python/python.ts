/**
 * Running the Python clients' scripts (compat/python/*.py) from the vitest files.
 *
 * - confluent-kafka-python comes from Debian (`python3-confluent-kafka`, 1.7.0 on librdkafka
 *   2.0.2) and is importable only by Debian's interpreter, `/usr/bin/python3` (a pyenv
 *   `python3` earlier on PATH does not see it);
 * - kafka-python is pinned in requirements.txt and installed into compat/python/.venv.
 *
 * .ci/run installs both. A missing client fails the test with the command that installs it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRun, run, type RunResult } from '../harness.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const VENV_PYTHON = path.join(HERE, '.venv/bin/python');

/** The kafka-python version pinned in requirements.txt (`kafka-python==X.Y.Z`). */
export function pinnedKafkaPython(): string {
  const pin = /^kafka-python==(\S+)\s*$/m.exec(readFileSync(path.join(HERE, 'requirements.txt'), 'utf8'));
  if (!pin) throw new Error('compat/python/requirements.txt does not pin kafka-python==VERSION');
  return pin[1]!;
}

/** [confluent-kafka version, librdkafka version] as Debian's python3 imports them. */
export async function confluentVersions(): Promise<[string, string]> {
  const r = await run(DEBIAN_PYTHON, ['-c', 'import json, confluent_kafka as c; print(json.dumps([c.version()[0], c.libversion()[0]]))'], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    throw new Error(
      `${DEBIAN_PYTHON} cannot import confluent_kafka: install it with ` +
        `\`apt-get install python3-confluent-kafka\` (.ci/run does this)\n${describeRun(r)}`,
    );
  }
  return JSON.parse(r.stdout) as [string, string];
}

/** kafka-python's version as the virtualenv imports it. */
export async function kafkaPythonVersion(): Promise<string> {
  const install = 'python3 -m venv compat/python/.venv && compat/python/.venv/bin/pip install -r compat/python/requirements.txt';
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} does not exist: create it with \`${install}\` (.ci/run does this)`);
  const r = await run(VENV_PYTHON, ['-c', 'import kafka; print(kafka.__version__)'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`the virtualenv cannot import kafka: \`${install}\`\n${describeRun(r)}`);
  return r.stdout.trim();
}

/** Runs a script of this directory and parses the JSON object it prints (its last stdout line). */
export async function runScript<T>(python: string, script: string, args: string[], timeoutMs: number): Promise<{ result: T; run: RunResult }> {
  const r = await run(python, ['-u', path.join(HERE, script), ...args], { timeoutMs });
  if (r.code !== 0 || r.timedOut) throw new Error(`${script} failed\n${describeRun(r)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { result: JSON.parse(last) as T, run: r };
  } catch {
    throw new Error(`${script} printed no JSON result\n${describeRun(r)}`);
  }
}

/** Per API name, the request versions a client sent. */
export type RequestVersions = Record<string, number[]>;

/**
 * The versions a client sent must be exactly those recorded for its pinned version: every API
 * in `required` was used with those versions, and an API in `optional` (timing-dependent, e.g.
 * Heartbeat) was used with its versions if at all. Nothing else was sent.
 */
export function expectVersions(actual: RequestVersions, required: RequestVersions, optional: RequestVersions = {}): string[] {
  const problems: string[] = [];
  for (const [api, versions] of Object.entries(required)) {
    if (JSON.stringify(actual[api]) !== JSON.stringify(versions)) problems.push(`${api}: sent ${JSON.stringify(actual[api])}, expected ${JSON.stringify(versions)}`);
  }
  for (const [api, versions] of Object.entries(actual)) {
    if (api in required) continue;
    if (!(api in optional)) problems.push(`${api}: sent ${JSON.stringify(versions)}, not expected at all`);
    else if (JSON.stringify(optional[api]) !== JSON.stringify(versions)) problems.push(`${api}: sent ${JSON.stringify(versions)}, expected ${JSON.stringify(optional[api])}`);
  }
  return problems;
}

/** "ApiName vN" pairs, for a log line. */
export function formatVersions(versions: RequestVersions): string {
  return Object.entries(versions).map(([api, v]) => `${api} v${v.join('/v')}`).join(', ');
}
