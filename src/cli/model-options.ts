import { DEFAULT_TARGET_PRECISION } from '../model/train.ts';
import { CliError } from './output.ts';

/** A number in (0, 1], or a message naming the option. */
export function parseShare(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new CliError(`${option} must be a number between 0 and 1 (got "${value}")`);
  return n;
}

export function parseWholeNumber(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new CliError(`${option} must be a whole number (got "${value}")`);
  return n;
}

/** `--target-precision`, else `TARGET_PRECISION`, else 0.95. */
export function targetPrecisionOption(value: string | undefined): number {
  const given = value ?? process.env.TARGET_PRECISION;
  if (given === undefined || given === '') return DEFAULT_TARGET_PRECISION;
  const option = value !== undefined ? '--target-precision' : 'TARGET_PRECISION';
  const n = parseShare(given, option);
  if (n === 0) throw new CliError(`${option} must be above 0 (got "${given}")`);
  return n;
}
