/** Reads the committed facts-only specs (protocol/specs) of a repository. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorSpec, MessageSpec } from './spec.js';

export function loadSpecs(root: string): { specs: MessageSpec[]; errors: ErrorSpec[] } {
  const dir = join(root, 'protocol/specs');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'errors.json').sort();
  const specs = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as MessageSpec);
  const errors = JSON.parse(readFileSync(join(dir, 'errors.json'), 'utf8')) as ErrorSpec[];
  return { specs, errors };
}
