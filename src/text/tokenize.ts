/**
 * scikit-learn's default `token_pattern` `(?u)\b\w\w+\b` after lower-casing:
 * maximal runs of two or more Unicode word characters. (Two adjacent word
 * characters can never straddle a `\b`, so "runs of 2+ word chars" is exact.)
 */
const TOKEN = /[\p{L}\p{N}_]{2,}/gu;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}
