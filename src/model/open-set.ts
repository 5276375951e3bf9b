import { seededRandom, shuffleInPlace } from './random.ts';
import { compareCodePoints } from './train.ts';

/**
 * The open-set protocol: `count` categories drawn at random (seeded) from the
 * data's categories, whose rows are left out of training and whose test rows
 * count as unknown. Sorted; the same for the same labels, count and seed.
 */
export function chooseHeldOutCategories(labels: readonly string[], count: number, seed: number): string[] {
  const distinct = [...new Set(labels)].sort(compareCodePoints);
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError('the number of held-out categories must be a whole number of at least 1');
  if (count > distinct.length - 2)
    throw new RangeError(
      `cannot hold out ${count} of ${distinct.length} categories: training needs at least 2 categories left`,
    );
  const order = distinct.map((_, i) => i);
  shuffleInPlace(order, seededRandom(seed));
  return order
    .slice(0, count)
    .map((i) => distinct[i]!)
    .sort(compareCodePoints);
}
