import { afterEach, describe, expect, it } from 'vitest';
import { targetPrecisionIfGiven, targetPrecisionOrDefault } from '../../../src/cli/options.ts';
import { describeError } from '../../../src/cli/output.ts';
import { ConfigError, parseConfig, setting, settingIfSet } from '../../../src/config.ts';
import { EXIT_CODES } from '../../../src/errors.ts';
import { DEFAULT_TARGET_PRECISION } from '../../../src/model/train.ts';

/** The routing settings of the one typed loader (src/config.ts), and how the CLI falls back to them. */
describe('TARGET_PRECISION and COVERAGE_TOLERANCE', () => {
  it('default to 0.95 (the model core default) and 0.03', () => {
    const c = parseConfig({});
    expect(c.TARGET_PRECISION).toBe(0.95);
    expect(c.TARGET_PRECISION).toBe(DEFAULT_TARGET_PRECISION);
    expect(c.COVERAGE_TOLERANCE).toBe(0.03);
  });

  it.each([
    ['0.9', 0.9],
    ['1', 1],
    ['0.5', 0.5],
  ])('TARGET_PRECISION takes %j', (value, expected) => {
    expect(parseConfig({ TARGET_PRECISION: value }).TARGET_PRECISION).toBe(expected);
  });

  it.each(['0', '1.5', '-0.1', 'high'])('TARGET_PRECISION refuses %j, naming it', (value) => {
    expect(() => parseConfig({ TARGET_PRECISION: value })).toThrow(ConfigError);
    expect(() => parseConfig({ TARGET_PRECISION: value })).toThrow(/^setting TARGET_PRECISION is invalid: /);
  });

  it.each(['0', '0.05', '1'])('COVERAGE_TOLERANCE takes %j', (value) => {
    expect(parseConfig({ COVERAGE_TOLERANCE: value }).COVERAGE_TOLERANCE).toBe(Number(value));
  });

  it.each(['2', '-0.01', 'some'])('COVERAGE_TOLERANCE refuses %j', (value) => {
    expect(() => parseConfig({ COVERAGE_TOLERANCE: value })).toThrow(/^setting COVERAGE_TOLERANCE is invalid: /);
  });
});

describe('NEEDS_REVIEW_THRESHOLD (retired)', () => {
  it('is refused when set, saying what replaced it', () => {
    const refused = () => parseConfig({ NEEDS_REVIEW_THRESHOLD: '0.6' });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(
      /^setting NEEDS_REVIEW_THRESHOLD is no longer read: each model now routes at the threshold fitted at training for TARGET_PRECISION .* unset NEEDS_REVIEW_THRESHOLD/,
    );
    try {
      refused();
    } catch (error) {
      expect(describeError(error).exitCode).toBe(EXIT_CODES.badInput);
    }
  });

  it('set but empty is unset', () => {
    expect(() => parseConfig({ NEEDS_REVIEW_THRESHOLD: '' })).not.toThrow();
  });
});

describe('one setting at a time (settingIfSet, setting)', () => {
  it('undefined / the default when unset or empty; the checked value when set', () => {
    expect(settingIfSet('TARGET_PRECISION', {})).toBeUndefined();
    expect(settingIfSet('TARGET_PRECISION', { TARGET_PRECISION: '' })).toBeUndefined();
    expect(settingIfSet('TARGET_PRECISION', { TARGET_PRECISION: '0.9' })).toBe(0.9);
    expect(setting('TARGET_PRECISION', {})).toBe(0.95);
    expect(setting('COVERAGE_TOLERANCE', { COVERAGE_TOLERANCE: '0.1' })).toBe(0.1);
  });

  it('refuses a bad value with the name and the value, whatever else is set', () => {
    expect(() => setting('TARGET_PRECISION', { TARGET_PRECISION: '95%' })).toThrow(
      /^setting TARGET_PRECISION is invalid: "95%": /,
    );
    // An unrelated bad setting does not stop a command that reads only this one.
    expect(setting('TARGET_PRECISION', { TARGET_PRECISION: '0.8', LOG_LEVEL: 'LOUD' })).toBe(0.8);
  });
});

describe("the CLI's --target-precision falls back to the setting (through the loader)", () => {
  const before = process.env.TARGET_PRECISION;
  afterEach(() => {
    if (before === undefined) delete process.env.TARGET_PRECISION;
    else process.env.TARGET_PRECISION = before;
  });

  it('the option first, then TARGET_PRECISION, then the default (train) or nothing (evaluate: the model’s own)', () => {
    delete process.env.TARGET_PRECISION;
    expect(targetPrecisionOrDefault(undefined)).toBe(0.95);
    expect(targetPrecisionIfGiven(undefined)).toBeUndefined();
    expect(targetPrecisionOrDefault(0.8)).toBe(0.8);
    process.env.TARGET_PRECISION = '0.9';
    expect(targetPrecisionOrDefault(undefined)).toBe(0.9);
    expect(targetPrecisionIfGiven(undefined)).toBe(0.9);
    expect(targetPrecisionIfGiven(0.7)).toBe(0.7);
  });

  it('a bad TARGET_PRECISION is bad input, named (the option, given, wins without reading it)', () => {
    process.env.TARGET_PRECISION = '2';
    expect(() => targetPrecisionOrDefault(undefined)).toThrow(/^setting TARGET_PRECISION is invalid: "2": /);
    expect(targetPrecisionOrDefault(0.9)).toBe(0.9);
  });
});
