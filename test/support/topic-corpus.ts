import { seededRandom } from '../../src/model/index.ts';

/** Noisy topics, `classes` of them (9 by default: more classes than one solver pass fits at once). */
export function topicCorpus(n: number, seed: number, classes = 9) {
  const random = seededRandom(seed);
  const vocabulary = Array.from({ length: 120 }, (_, i) => `w${i}`);
  const docs: string[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    docs.push(
      Array.from({ length: 4 + Math.floor(random() * 6) }, () =>
        random() < 0.5
          ? vocabulary[label * 10 + Math.floor(random() * 10)]!
          : vocabulary[Math.floor(random() * vocabulary.length)]!,
      ),
    );
    y.push(label);
  }
  return { docs, y: Int32Array.from(y), labels: Array.from({ length: classes }, (_, c) => `c${c}`) };
}
