/**
 * Synthetic tickets for the scale benchmark, built from real labelled tickets
 * (the Endava training rows) so that their vocabulary grows as real text does
 * instead of repeating the same rows:
 *
 * - **New combinations, not copies.** Each synthetic ticket takes the category
 *   and the length of a real ticket drawn at random, starts with that
 *   ticket's first word, then draws every next word from a class-conditional
 *   bigram model of the real tickets (the words that follow the previous word
 *   in that category), mixed with the category's unigram distribution
 *   (`unigramShare` of the draws): so word pairs never seen together in the
 *   real rows keep appearing, as in new tickets.
 * - **New word forms at a realistic rate.** `variantRate` of the words are
 *   written differently: a typo (a letter dropped, doubled, swapped with its
 *   neighbour or replaced by a keyboard neighbour) or another ending (-s, -ed,
 *   -ing, -er). Which form a word takes follows a Pitman-Yor (Chinese
 *   restaurant) process per word, with discount `discount`: common
 *   misspellings come back, new ones keep appearing ever more rarely. New word
 *   types therefore grow about as a power of the number of tokens (Heaps'
 *   law, V ~ K N^beta), which the benchmark measures and prints beside the
 *   real tickets' own growth.
 *
 * Deterministic for a seed (mulberry32).
 */
import { seededRandom } from '../src/model/random.ts';
import { tokenize } from '../src/text/tokenize.ts';

export interface SyntheticOptions {
  /** Share of words drawn from the category's unigram distribution instead of the bigram model (default 0.15). */
  readonly unigramShare?: number;
  /** Share of words written in another form (default 0.02: about a word in fifty, as in hastily typed tickets). */
  readonly variantRate?: number;
  /** Pitman-Yor discount of each word's forms: higher, more new forms (default 0.6). */
  readonly discount?: number;
  /** Pitman-Yor concentration (default 1). */
  readonly concentration?: number;
}

export interface SyntheticTickets {
  readonly texts: string[];
  readonly labels: string[];
  /** Word tokens written. */
  readonly tokens: number;
  /** Distinct words written (real words and new forms). */
  readonly wordTypes: number;
}

/** A real word's forms so far (index 0 is the word as it is), and which form each earlier draw took. */
interface Forms {
  readonly counts: number[];
  readonly texts: string[];
  readonly draws: number[];
}

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const NEIGHBOURS = new Map<string, string>();
for (const row of KEYBOARD_ROWS)
  for (let i = 0; i < row.length; i++) NEIGHBOURS.set(row[i]!, (row[i - 1] ?? '') + (row[i + 1] ?? ''));
const ENDINGS = ['s', 'ed', 'ing', 'er'];

/** Another written form of `word`, drawn with `random` (may repeat an earlier one; the caller checks). */
function anotherForm(word: string, random: () => number): string {
  const kind = Math.floor(random() * 5);
  if (word.length < 4 || kind === 4) return word + ENDINGS[Math.floor(random() * ENDINGS.length)]!;
  const at = 1 + Math.floor(random() * (word.length - 2));
  const c = word[at]!;
  switch (kind) {
    case 0: // dropped letter
      return word.slice(0, at) + word.slice(at + 1);
    case 1: // doubled letter
      return word.slice(0, at) + c + word.slice(at);
    case 2: // swapped with the next one
      return word.slice(0, at) + word[at + 1]! + c + word.slice(at + 2);
    default: {
      // a keyboard neighbour
      const near = NEIGHBOURS.get(c) ?? 'aeiou';
      return word.slice(0, at) + near[Math.floor(random() * near.length)]! + word.slice(at + 1);
    }
  }
}

/** A generator of synthetic tickets from real labelled tickets (see the module comment). */
export function syntheticTicketModel(
  real: { readonly texts: readonly string[]; readonly labels: readonly string[] },
  options: SyntheticOptions = {},
) {
  const unigramShare = options.unigramShare ?? 0.15;
  const variantRate = options.variantRate ?? 0.02;
  const discount = options.discount ?? 0.6;
  const concentration = options.concentration ?? 1;

  const words: string[] = [];
  const wordId = new Map<string, number>();
  const categories = [...new Set(real.labels)];
  const categoryOf = new Map(categories.map((c, i) => [c, i]));
  const rows = real.texts.map((text) =>
    Int32Array.from(tokenize(text), (w) => {
      let id = wordId.get(w);
      if (id === undefined) {
        id = words.length;
        wordId.set(w, id);
        words.push(w);
      }
      return id;
    }),
  );
  const rowCategory = Int32Array.from(real.labels, (l) => categoryOf.get(l)!);
  const usable = rows.map((_, i) => i).filter((i) => rows[i]!.length > 0);

  // Per category: every token (unigram draws), and each word's successors as CSR (bigram draws).
  const unigrams: Int32Array[] = [];
  const successorStart: Int32Array[] = [];
  const successors: Int32Array[] = [];
  for (let c = 0; c < categories.length; c++) {
    const mine = usable.filter((i) => rowCategory[i] === c);
    const all: number[] = [];
    const next: number[][] = Array.from({ length: words.length }, () => []);
    for (const i of mine) {
      const row = rows[i]!;
      for (let k = 0; k < row.length; k++) {
        all.push(row[k]!);
        if (k > 0) next[row[k - 1]!]!.push(row[k]!);
      }
    }
    unigrams.push(Int32Array.from(all));
    const start = new Int32Array(words.length + 1);
    for (let w = 0; w < words.length; w++) start[w + 1] = start[w]! + next[w]!.length;
    successorStart.push(start);
    successors.push(Int32Array.from(next.flat()));
  }

  return {
    /** `count` synthetic tickets (deterministic for `seed`). */
    generate(count: number, seed: number): SyntheticTickets {
      const random = seededRandom(seed);
      const forms = new Map<number, Forms>();
      // Distinct words written: real words (a flag each) and new forms that are not real words.
      const realWritten = new Uint8Array(words.length);
      const newForms = new Set<string>();
      const texts = new Array<string>(count);
      const labels = new Array<string>(count);
      let tokens = 0;
      const formOf = (word: number): string => {
        let f = forms.get(word);
        if (!f) {
          f = { counts: [0], texts: [words[word]!], draws: [] };
          forms.set(word, f);
        }
        // Pitman-Yor: a new form with probability (theta + d K) / (theta + n); else form j with
        // probability (n_j - d) / (theta + n), drawn as an earlier draw's form (~ n_j) kept with (n_j - d) / n_j.
        const k = f.counts.length;
        const n = f.draws.length;
        let chosen = -1;
        if (n > 0 && random() * (concentration + n) >= concentration + discount * k) {
          for (;;) {
            const j = f.draws[Math.floor(random() * n)]!;
            if (random() * f.counts[j]! < f.counts[j]! - discount) {
              chosen = j;
              break;
            }
          }
        }
        if (chosen < 0) {
          chosen = 0;
          // The word as it is is form 0 (taken at the first draw); later new forms are variants.
          if (n > 0 || k > 1) {
            let text = anotherForm(words[word]!, random);
            for (let tries = 0; f.texts.includes(text) && tries < 8; tries++) text = anotherForm(text, random);
            chosen = f.counts.length;
            f.counts.push(0);
            f.texts.push(text);
            const real = wordId.get(text);
            if (real === undefined) newForms.add(text);
            else realWritten[real] = 1;
          }
        }
        f.counts[chosen]!++;
        f.draws.push(chosen);
        return f.texts[chosen]!;
      };
      for (let t = 0; t < count; t++) {
        const template = usable[Math.floor(random() * usable.length)]!;
        const c = rowCategory[template]!;
        const length = rows[template]!.length;
        const out = new Array<string>(length);
        let previous = rows[template]![0]!;
        for (let k = 0; k < length; k++) {
          let word = previous;
          if (k > 0) {
            const from = successorStart[c]![previous]!;
            const to = successorStart[c]![previous + 1]!;
            if (random() < unigramShare || to === from) {
              const all = unigrams[c]!;
              word = all[Math.floor(random() * all.length)]!;
            } else word = successors[c]![from + Math.floor(random() * (to - from))]!;
          }
          let text = words[word]!;
          if (random() < variantRate) text = formOf(word);
          else realWritten[word] = 1;
          out[k] = text;
          previous = word;
        }
        tokens += length;
        texts[t] = out.join(' ');
        labels[t] = categories[c]!;
      }
      let realTypes = 0;
      for (const w of realWritten) realTypes += w;
      return { texts, labels, tokens, wordTypes: realTypes + newForms.size };
    },
  };
}

/**
 * Heaps' law exponent: the slope of log(types) against log(tokens), least
 * squares over the points given.
 */
export function heapsExponent(points: readonly { tokens: number; types: number }[]): number {
  const xs = points.map((p) => Math.log(p.tokens));
  const ys = points.map((p) => Math.log(p.types));
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}
