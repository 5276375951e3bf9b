import { describe, expect, it } from 'vitest';
import { isLoopbackAuthority, loopbackRefusal } from '../../../src/local/loopback-guard.ts';

describe('loopback guard of the local AWS endpoints and the sign-in provider', () => {
  it.each([
    ['127.0.0.1:4566', true],
    ['localhost:4566', true],
    ['LOCALHOST', true],
    ['[::1]:4566', true],
    ['sqs.us-east-1.localhost:4566', true],
    ['localhost.:4566', true],
    ['evil.example:4566', false],
    ['127.0.0.1.evil.example', false],
    ['localhost.evil.example:4566', false],
    ['10.0.0.5:4566', false],
    ['', false],
  ])('Host %j is a loopback name: %s', (host, expected) => {
    expect(isLoopbackAuthority(host)).toBe(expected);
  });

  it('refuses a request without Host or with a name of its own (DNS rebinding), whichever the browser rule', () => {
    for (const browsers of ['refuse', 'allow'] as const) {
      expect(loopbackRefusal({}, { browsers })).toMatch(/answers only to 127\.0\.0\.1/);
      expect(loopbackRefusal({ host: 'rebind.evil.example:4566' }, { browsers })).toMatch(/rebind\.evil\.example/);
    }
  });

  it('refuses web pages at the AWS endpoints: any Origin, any Sec-Fetch-Site but the browser’s own navigation', () => {
    const refuse = { browsers: 'refuse' } as const;
    expect(loopbackRefusal({ host: '127.0.0.1:4566' }, refuse)).toBeUndefined();
    expect(loopbackRefusal({ host: '127.0.0.1:4566', 'sec-fetch-site': 'none' }, refuse)).toBeUndefined();
    expect(loopbackRefusal({ host: '127.0.0.1:4566', origin: 'http://evil.example' }, refuse)).toMatch(/web pages/);
    expect(loopbackRefusal({ host: '127.0.0.1:4566', origin: 'http://127.0.0.1:8080' }, refuse)).toMatch(/web pages/);
    for (const site of ['cross-site', 'same-site', 'same-origin'])
      expect(loopbackRefusal({ host: '127.0.0.1:4566', 'sec-fetch-site': site }, refuse)).toMatch(/web pages/);
  });

  it('lets the review page’s browser reach the sign-in provider (CORS and forms are its business)', () => {
    const allow = { browsers: 'allow' } as const;
    expect(
      loopbackRefusal(
        { host: '127.0.0.1:4600', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' },
        allow,
      ),
    ).toBeUndefined();
  });
});
