import { describe, expect, it } from 'vitest';
import {
  contentHashOf,
  executionNameFor,
  InvalidTicketError,
  MAX_SUBJECT_BYTES,
  MAX_TICKET_TEXT_BYTES,
  parseTicketMessage,
} from '../../../src/contracts/ticket-message.ts';
import { jsonStringBytes } from '../../../src/contracts/cut-text.ts';

const meta = { messageId: 'm-1', receivedAt: '2026-01-01T00:00:00.000Z' };
const limits = { maxChars: 20_000, rejectChars: 200_000 };
const parse = (body: unknown) =>
  parseTicketMessage(typeof body === 'string' ? body : JSON.stringify(body), meta, limits);
const hasLoneSurrogate = (s: string) =>
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('the message contract', () => {
  it('a subject alone is a ticket (a title is enough to classify)', () => {
    const { ticket } = parse({ ticketId: 'S-1', subject: '  VPN down since this morning ' });
    expect(ticket).toMatchObject({
      ticketId: 'S-1',
      subject: 'VPN down since this morning',
      text: 'VPN down since this morning',
      truncated: false,
    });
  });

  it('no subject and no text is refused with the fields to use', () => {
    expect(() => parse({ ticketId: 'E-1', subject: ' ', body: '' })).toThrow(
      /no ticket text: put it in "subject", "body", "description" or "text"/,
    );
  });

  it('JSON after a byte-order mark is accepted', () => {
    const { ticket } = parse(`\ufeff${JSON.stringify({ ticketId: 'B-1', body: 'printer jammed' })}`);
    expect(ticket.text).toBe('printer jammed');
  });

  it('the content hash is of the untruncated subject and text: tickets differing after the cut differ', () => {
    const start = 'word '.repeat(5_000);
    const a = parse({ ticketId: 'H', body: `${start}first ending` });
    const b = parse({ ticketId: 'H', body: `${start}second ending` });
    expect(a.ticket.text).toBe(b.ticket.text);
    expect(a.ticket.truncated).toBe(true);
    expect(a.contentSha256).not.toBe(b.contentSha256);
    // Subject and body cannot be confused with each other.
    expect(contentHashOf('a', 'b c')).not.toBe(contentHashOf('a b', 'c'));
    expect(parse({ subject: 'x', body: 'y' }).contentSha256).toBe(
      parse({ subject: ' x ', body: 'y', extra: 1 }).contentSha256,
    );
  });

  it('cuts at a word boundary, by bytes as well as characters, never splitting a surrogate pair', () => {
    const { ticket } = parse({ ticketId: 'W', body: 'alpha beta gamma '.repeat(2_000) });
    expect(ticket.truncated).toBe(true);
    expect(jsonStringBytes(ticket.text)).toBeLessThanOrEqual(MAX_TICKET_TEXT_BYTES);
    expect(ticket.text).toMatch(/(alpha|beta|gamma)$/);
    const emoji = parse({ ticketId: 'E', body: '🎫'.repeat(5_000) });
    expect(hasLoneSurrogate(emoji.ticket.text)).toBe(false);
    expect(jsonStringBytes(emoji.ticket.text)).toBeLessThanOrEqual(MAX_TICKET_TEXT_BYTES);
    const words = parse({ ticketId: 'C', body: `${'ab'.repeat(3)} ${'🎫x'.repeat(4_000)}` });
    expect(hasLoneSurrogate(words.ticket.text)).toBe(false);
  });

  it('a 100,000-character CJK subject: subject and text cut to their byte budgets, at a word boundary', () => {
    const subject = '中文标题 '.repeat(20_000);
    const { ticket } = parse({ ticketId: 'CJK', subject, body: '打印机坏了' });
    expect(ticket.truncated).toBe(true);
    expect(jsonStringBytes(ticket.subject!)).toBeLessThanOrEqual(MAX_SUBJECT_BYTES);
    expect(jsonStringBytes(ticket.text)).toBeLessThanOrEqual(MAX_TICKET_TEXT_BYTES);
    expect(ticket.subject!.endsWith('中文标题')).toBe(true);
    expect(ticket.text.startsWith(ticket.subject!)).toBe(true);
  });

  it('escaped characters count with their escapes (control characters take 6 bytes each)', () => {
    const { ticket } = parse({ ticketId: 'X', body: `ok ${'\u0001'.repeat(5_000)}` });
    expect(jsonStringBytes(ticket.text)).toBeLessThanOrEqual(MAX_TICKET_TEXT_BYTES);
    expect(Buffer.byteLength(JSON.stringify(ticket.text))).toBeLessThanOrEqual(MAX_TICKET_TEXT_BYTES + 2);
  });

  it('text over REJECT_TICKET_CHARS is rejected with the limits', () => {
    expect(() =>
      parseTicketMessage(JSON.stringify({ body: 'a'.repeat(1_001) }), meta, { maxChars: 100, rejectChars: 1_000 }),
    ).toThrow(/the ticket text is 1001 characters; the limit is 1000/);
  });

  it.each([
    ['an emoji', 'INC-🎫-1'],
    ['U+FFFF and U+FFFE (carried escaped on SQS)', 'INC-\uffff\ufffe'],
    ['CJK', '工单-42'],
  ])('accepts a ticket id with %s', (_, ticketId) => {
    expect(parse({ ticketId, body: 'printer' }).ticket.ticketId).toBe(ticketId);
  });

  it.each([
    ['a control character', 'INC-\u0001'],
    ['a C1 control character', 'INC-\u0085'],
    ['an unpaired high surrogate', 'INC-\ud83c'],
    ['an unpaired low surrogate', 'INC-\udfab-x'],
  ])('refuses a ticket id with %s, saying why', (_, ticketId) => {
    expect(() => parse({ ticketId, body: 'printer' })).toThrow(InvalidTicketError);
    expect(() => parse({ ticketId, body: 'printer' })).toThrow(
      /"ticketId" must not contain control characters or unpaired surrogates/,
    );
  });
});

describe('execution names from ticket ids', () => {
  it.each([
    ['plain', 'INC-1234', 'ticket-INC-1234'],
    ['plain, 73 characters (the longest kept as it is)', 'a'.repeat(73), `ticket-${'a'.repeat(73)}`],
  ])('%s ids are kept as they are', (_, id, name) => {
    expect(executionNameFor(id)).toBe(name);
  });

  it('any other id: at most 80 characters of [A-Za-z0-9_-], and distinct ids get distinct names', () => {
    const ids = [
      'a'.repeat(74),
      'x'.repeat(256),
      'INC/1',
      'INC_1',
      'INC 1',
      '工单-42',
      '工单-43',
      'T-🎫',
      'T-\uffff',
      'T-\ufffe',
    ];
    const names = ids.map(executionNameFor);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(new Set(names).size).toBe(ids.length);
  });
});
