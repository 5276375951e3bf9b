export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** How many evaluated examples truly belong to this class. */
  readonly support: number;
}

export interface Metrics {
  readonly examples: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly weightedF1: number;
  readonly perClass: readonly ClassMetrics[];
  /** `confusion[true][predicted]`, rows and columns in `labels` order. */
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
}

/**
 * Classification metrics with scikit-learn's conventions (a precision or
 * recall with a zero denominator counts as 0). `labels` fixes the order; a
 * label seen only in `actual`/`predicted` is appended.
 */
export function computeMetrics(
  actual: readonly string[],
  predicted: readonly string[],
  labels: readonly string[] = [],
): Metrics {
  if (actual.length !== predicted.length) throw new Error('actual and predicted differ in length');
  const order = [...labels];
  const index = new Map(order.map((l, i) => [l, i]));
  for (const l of [...actual, ...predicted]) {
    if (!index.has(l)) {
      index.set(l, order.length);
      order.push(l);
    }
  }
  const k = order.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = index.get(actual[i]!)!;
    const p = index.get(predicted[i]!)!;
    confusion[a]![p]!++;
    if (a === p) correct++;
  }
  const perClass: ClassMetrics[] = order.map((label, c) => {
    const tp = confusion[c]![c]!;
    let predictedAs = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predictedAs += confusion[j]![c]!;
      support += confusion[c]![j]!;
    }
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  const n = actual.length;
  // Macro averages over classes present in the data (truth or predictions), as scikit-learn does.
  const present = perClass.filter((m, c) => m.support > 0 || confusion.some((r) => r[c]! > 0));
  const macroF1 = present.length === 0 ? 0 : present.reduce((s, m) => s + m.f1, 0) / present.length;
  const weightedF1 = n === 0 ? 0 : perClass.reduce((s, m) => s + m.f1 * m.support, 0) / n;
  return { examples: n, accuracy: n === 0 ? 0 : correct / n, macroF1, weightedF1, perClass, confusion, labels: order };
}
