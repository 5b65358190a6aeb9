/**
 * CLI: regenerates protocol/generated/* from protocol/specs/*.json.
 * Run with `npx tsc -p . && node dist/protocol/generator/main.js` (or `npm run generate` after a build).
 */
import { readdirSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.js';
import { findRepoRoot } from './import-specs.js';
import { loadSpecs } from './load.js';

function main(): void {
  const root = resolve(process.argv[2] ?? findRepoRoot(dirname(fileURLToPath(import.meta.url))));
  const { specs, errors } = loadSpecs(root);
  const outDir = join(root, 'protocol/generated');
  const files = generate(specs, errors);
  mkdirSync(outDir, { recursive: true });
  for (const old of readdirSync(outDir)) if (!files.has(old)) rmSync(join(outDir, old));
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  process.stdout.write(`generated ${files.size} files into ${outDir}\n`);
}

main();
