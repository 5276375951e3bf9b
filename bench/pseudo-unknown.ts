/**
 * The pseudo-unknown protocol of the open-set benchmarks (`bench:open-set
 * --choose`, `bench:open-set-signals`), on training rows only: the test
 * protocol's `count` held-out categories are left aside, `count` more of the
 * remaining categories play unknown, and the rows of the others (in scope) are
 * split 80/20 into rows to train on and rows to judge with.
 */
import { chooseHeldOutCategories } from '../src/model/open-set.ts';
import { stratifiedHoldout } from '../src/model/train.ts';

export interface PseudoUnknownSplit {
  /** The categories playing unknown. */
  readonly pseudo: ReadonlySet<string>;
  /** Row indices (into the training split) of the in-scope categories. */
  readonly inScope: readonly number[];
  /** Row indices of the categories playing unknown. */
  readonly pseudoRows: readonly number[];
  /** Positions in `inScope` to train on and to judge with. */
  readonly train: Int32Array;
  readonly holdout: Int32Array;
}

export function pseudoUnknownSplit(trainLabels: readonly string[], count: number, seed: number): PseudoUnknownSplit {
  const heldOut = new Set(chooseHeldOutCategories(trainLabels, count, seed));
  const knownRows = trainLabels.flatMap((l, i) => (heldOut.has(l) ? [] : [i]));
  const pseudo = new Set(
    chooseHeldOutCategories(
      knownRows.map((i) => trainLabels[i]!),
      count,
      seed + 1000,
    ),
  );
  const inScope = knownRows.filter((i) => !pseudo.has(trainLabels[i]!));
  const pseudoRows = knownRows.filter((i) => pseudo.has(trainLabels[i]!));
  const labels = [...new Set(inScope.map((i) => trainLabels[i]!))].sort();
  const y = Int32Array.from(inScope, (i) => labels.indexOf(trainLabels[i]!));
  const { train, holdout } = stratifiedHoldout(y, labels.length, 0.2, seed);
  return { pseudo, inScope, pseudoRows, train, holdout };
}
