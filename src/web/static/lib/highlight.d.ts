export interface Token {
  start: number;
  end: number;
  lower: string;
}
export interface Segment {
  text: string;
  weight?: number;
  terms?: string[];
}
export function tokenize(text: string): Token[];
export function highlightSegments(text: string, explanation?: readonly { term: string; weight: number }[]): Segment[];
