import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { nonEmpty, port, runName, seconds, ticketId, wholeNumber } from '../../../src/cli/options.ts';
import { describeError } from '../../../src/cli/output.ts';
import { EXIT_CODES, TriageError } from '../../../src/errors.ts';

/**
 * The parsers every command's numeric and id options go through
 * (src/cli/options.ts): what they take and what they refuse, on the text as
 * typed. test/cli/bad-input.test.ts runs a few of them through the real
 * command line; this is the whole table.
 */
const refuses = (parse: (v: string) => unknown, value: string, message: RegExp) => {
  expect(() => parse(value), JSON.stringify(value)).toThrow(InvalidArgumentError);
  expect(() => parse(value), JSON.stringify(value)).toThrow(message);
};

describe('whole numbers (--limit, --concurrency, --pollers, --top, --explain)', () => {
  const limit = wholeNumber(1, 1000);
  it.each(['1', '20', '1000', '007'])('takes %j', (value) => expect(limit(value)).toBe(Number(value)));
  it.each(['', ' 7 ', '1e3', '0x10', '2.0', '-5', '+5', '0', '1001', 'abc', 'Infinity', 'NaN', '１'])(
    'refuses %j',
    (value) => refuses(limit, value, /^It must be a whole number from 1 to 1000\.$/),
  );
});

describe('ports (--port, --gateway-port)', () => {
  it('takes 0 to 65535', () => {
    expect(port('0')).toBe(0);
    expect(port('8080')).toBe(8080);
    expect(port('65535')).toBe(65535);
  });
  it.each(['65536', '-1', 'http', '80.0'])('refuses %j', (value) =>
    refuses(port, value, /whole number from 0 to 65535/),
  );
});

describe('seconds (--wait)', () => {
  const wait = seconds(3600);
  it.each([
    ['0', 0],
    ['30', 30],
    ['0.5', 0.5],
    ['3600', 3600],
  ])('takes %j', (value, expected) => expect(wait(value)).toBe(expected));
  it.each(['abc', '-5', '', '1e3', '3601', ' 5', '.5', '5.'])('refuses %j', (value) =>
    refuses(wait, value, /^It must be a number of seconds from 0 to 3600\.$/),
  );
});

describe('ticket ids (--ticket-id, feedback <ticketId>): the message contract rule', () => {
  it('takes 1 to 256 characters', () => {
    expect(ticketId('T-1')).toBe('T-1');
    expect(ticketId('x'.repeat(256))).toHaveLength(256);
  });
  it('refuses 300 characters and blank ids, saying the limit and the length', () => {
    refuses(
      ticketId,
      'x'.repeat(300),
      /^A ticket id must be at most 256 characters \(this one has 300 characters\)\.$/,
    );
    refuses(ticketId, '   ', /A ticket id must not be empty/);
    refuses(ticketId, '', /A ticket id must not be empty/);
  });
});

describe('run names (runs show <name>)', () => {
  it('takes the names runs have, refuses others', () => {
    expect(runName('ticket-SAMPLE-001')).toBe('ticket-SAMPLE-001');
    refuses(runName, 'bad name!', /A run name is 1-80 letters, digits, - and _/);
    refuses(runName, 'x'.repeat(81), /1-80/);
  });
});

describe('free text that must say something (--by, --category, --subject)', () => {
  it('is trimmed, and refused when blank', () => {
    expect(nonEmpty('  ana ')).toBe('ana');
    refuses(nonEmpty, '  ', /must not be empty/);
  });
});

describe('exit codes (src/errors.ts, describeError)', () => {
  it('bad input 2, not possible here 3, a fault of the system 4 with how to see details', () => {
    expect(describeError(new TriageError('bad file', 'InvalidInput'))).toEqual({
      message: 'bad file',
      exitCode: EXIT_CODES.badInput,
    });
    expect(describeError(new TriageError('no stack', 'NotConfigured')).exitCode).toBe(EXIT_CODES.unavailable);
    expect(describeError(new TriageError('changed meanwhile', 'Conflict')).exitCode).toBe(EXIT_CODES.unavailable);
    expect(describeError(new TriageError('run failed', 'Failed')).exitCode).toBe(EXIT_CODES.failed);
    expect(describeError(new TypeError('x is undefined'))).toEqual({
      message: 'TypeError: x is undefined (set TRIAGE_DEBUG=1 for details)',
      exitCode: EXIT_CODES.internal,
    });
  });

  it('system errors a person can act on are said in words', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'out/p.csv'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: 'out/p.csv',
    });
    expect(describeError(enoent)).toEqual({ message: 'out/p.csv: no such file or directory', exitCode: 2 });
    const inUse = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      address: '127.0.0.1',
      port: 8080,
    });
    expect(describeError(inUse)).toEqual({
      message:
        '127.0.0.1:8080 is already in use (another `triage start`?): choose free ports with --port and --gateway-port',
      exitCode: 3,
    });
  });
});
