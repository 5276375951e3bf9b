import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MORE_KNOWN_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Sign-in and roles in a real browser (Debian's Chromium through
 * playwright-core) against `--auth oidc`: the page signs in at the local
 * OpenID Connect provider with oidc-client-ts, the local API checks the tokens
 * as API Gateway's JWT authorizer does and enforces the roles from their
 * groups. Tokens live TOKEN_SECONDS here, so refreshing them and an expired
 * sign-in happen within the test.
 */
// Browser globals, used only inside page.evaluate callbacks (the project's tsconfig has no DOM lib).
// biome-ignore lint/suspicious/noExplicitAny: the DOM, typed by the browser, not by this project.
declare const window: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM)
  console.warn(
    `[sign-in tests] skipped: ${CHROMIUM} is missing (CI installs it: apt-get install -y --no-install-recommends chromium)`,
  );

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const DESKTOP = { width: 1366, height: 900 };
const TOKEN_SECONDS = 8;

const TICKETS = MORE_KNOWN_TICKETS.slice(0, 6).map((r, i) => ({ ticketId: `SIGN-${i}`, text: r.text }));

let t: TestStack;
let browser: Browser;
/** Two versions put in service one after the other: `v2` is in service, `v1` before it. */
let v1: string;
let v2: string;
const problems: string[] = [];
/** Every response of 400 and above the browsers got, as `status METHOD origin-kind path`. */
const refusals: string[] = [];
const contexts: BrowserContext[] = [];

const signIn = () => t.stack.signIn!;
const user = (name: string) => signIn().users.find((u) => u.username === name)!;

/** A fresh browser (its own cookies and storage) with one page, its errors and off-machine requests recorded. */
async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every refused request as a failed resource load; those are checked one by one (`refusals`).
    if (
      message.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
    )
      problems.push(`console error: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const url = new URL(response.url());
    const where = url.origin === t.stack.webUrl ? 'page' : url.origin === signIn().issuer ? 'provider' : url.origin;
    refusals.push(
      `${response.status()} ${response.request().method()} ${where} ${url.pathname.replace(/\/interaction\/[^/]+/, '/interaction/…')}`,
    );
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1')
      problems.push(`request off this machine: ${request.url()}`);
  });
  return page;
}

/** On the provider's sign-in page: types the user's name and password, and waits for the app to show them signed in. */
async function signInAs(page: Page, username: string, password = user(username).password): Promise<void> {
  await page.locator('#username').waitFor();
  expect(new URL(page.url()).origin).toBe(signIn().issuer);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.account').waitFor();
}

/** What the page keeps of its sign-in (oidc-client-ts's user in sessionStorage). */
async function storedUser(page: Page): Promise<{ id_token: string; refresh_token?: string } | null> {
  return page.evaluate(() => {
    const key = Object.keys(window.sessionStorage).find((k: string) => k.startsWith('oidc.user:'));
    return key ? JSON.parse(window.sessionStorage.getItem(key)) : null;
  });
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

describe.skipIf(!HAS_CHROMIUM)('sign-in and roles in Chromium, against `--auth oidc`', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestStack({
      webPage: true,
      auth: { kind: 'oidc', tokenSeconds: TOKEN_SECONDS },
      settings: { MIN_NEW_FEEDBACK: '1' },
    });
    v1 = await t.bootstrap();
    v2 = await t.bootstrap({ extra: [{ text: 'the office wifi keeps dropping', label: 'Hardware' }] });
    const [launched] = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-quic',
          '--no-first-run',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
      (async () => {
        for (const ticket of TICKETS) await t.send({ ticketId: ticket.ticketId, body: ticket.text });
        await t.until(() => t.outputs.length >= TICKETS.length, 30_000);
      })(),
    ]);
    browser = launched;
  }, 90_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await t?.stop();
  });

  it('the page learns how to sign in from /config.json; the API refuses requests without a valid token as API Gateway does', async () => {
    const config = await (await fetch(`${t.stack.webUrl}/config.json`)).json();
    expect(config).toEqual({
      signIn: expect.objectContaining({ authority: signIn().issuer, clientId: 'ticket-triage-web', signOut: 'oidc' }),
    });
    const csp = (await fetch(`${t.stack.webUrl}/`)).headers.get('content-security-policy')!;
    expect(csp).toContain(`connect-src 'self' ${signIn().issuer};`);

    const anonymous = await fetch(`${t.stack.webUrl}/api/stats`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Unauthorized' });
    const forged = await fetch(`${t.stack.webUrl}/api/stats`, {
      headers: { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.` },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('a reviewer signs in, reviews a ticket (recorded as them), and cannot retrain', async () => {
    const page = await freshPage();
    await page.goto(`${t.stack.webUrl}/#/review`);
    // Straight to the provider's sign-in page; a wrong password is refused there.
    await page.locator('#username').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-local-provider.png'), fullPage: true });
    await page.locator('#username').fill('reviewer');
    await page.locator('#password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain('Incorrect username or password');
    await signInAs(page, 'reviewer');

    // Back on the review page, no code or token in the address, the token in sessionStorage only.
    expect(page.url()).toBe(`${t.stack.webUrl}/#/review`);
    expect(await page.locator('.account-name').textContent()).toBe('reviewer@example.com');
    expect(await page.locator('.account-role').textContent()).toBe('reviewer');
    const stored = await storedUser(page);
    expect(claimsOf(stored!.id_token)).toMatchObject({
      iss: signIn().issuer,
      aud: 'ticket-triage-web',
      email: 'reviewer@example.com',
      'cognito:groups': ['reviewers'],
    });
    const local = await page.evaluate(() => JSON.stringify({ ...window.localStorage }));
    expect(local).not.toContain(stored!.id_token.split('.')[1]);
    expect(local).not.toMatch(/oidc|token/i);
    // The name comes from the token: no name field.
    expect(await page.locator('#reviewer-name').isVisible()).toBe(false);

    // Confirm the first ticket of the queue with Enter: recorded with the reviewer's email as `by`.
    const items = page.locator('.queue [role="option"]');
    await expect.poll(() => items.count()).toBe(TICKETS.length);
    const first = (await items.first().getAttribute('data-ticket-id'))!;
    await expect.poll(() => page.locator('.ticket').getAttribute('data-ticket-id')).toBe(first);
    await page.locator('.queue').focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await t.feedback.get(first))?.feedback?.verdict).toBe('confirmed');
    expect((await t.feedback.get(first))!.feedback!.by).toBe('reviewer@example.com');
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-reviewer.png'), fullPage: true });

    // Models: no retrain, put-in-service or roll-back button for a reviewer, and the API refuses them, naming the role.
    await page.goto(`${t.stack.webUrl}/#/models`);
    await page.locator('.models-table tbody tr').first().waitFor();
    await page.locator('#model-heading').waitFor();
    expect(await page.getByRole('button', { name: 'Retrain now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
    await page.goto(`${t.stack.webUrl}/#/models/${v1}`);
    await expect.poll(() => page.locator('#model-heading').textContent()).toContain(v1);
    expect(await page.getByRole('button', { name: 'Put in service' }).count()).toBe(0);
    const post = (path: string) =>
      page.evaluate(async (path: string) => {
        const key = Object.keys(window.sessionStorage).find((k: string) => k.startsWith('oidc.user:'));
        const { id_token } = JSON.parse(window.sessionStorage.getItem(key));
        const response = await fetch(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${id_token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        return { status: response.status, body: await response.json() };
      }, path);
    expect(await post('/api/retrain')).toEqual({
      status: 403,
      body: { error: 'Forbidden', message: 'POST /api/retrain needs the admins role; you have the reviewers role' },
    });
    expect(await post('/api/models/rollback')).toEqual({
      status: 403,
      body: {
        error: 'Forbidden',
        message: 'POST /api/models/rollback needs the admins role; you have the reviewers role',
      },
    });
    expect((await t.registry.inService())!.modelVersion).toBe(v2);
    await page.context().close();
  }, 60_000);

  it('an admin rolls back and puts a version in service from the page, after confirming; the registry shows it', async () => {
    const page = await freshPage();
    await page.goto(`${t.stack.webUrl}/#/models`);
    await signInAs(page, 'admin');
    const row = (version: string) => page.locator(`.models-table tr[data-version="${version}"]`);
    await expect.poll(() => row(v2).textContent()).toContain('In service');
    await expect.poll(() => page.locator('#model-heading').textContent()).toContain(v2);
    // The version in service has no "Put in service"; a version not in service has no "Roll back".
    expect(await page.getByRole('button', { name: 'Put in service' }).count()).toBe(0);

    // Roll back: a confirmation first; Escape leaves everything as it was.
    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog', { name: `Roll back ${v2}?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`${v1} goes back in service`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await t.registry.inService())!.modelVersion).toBe(v2);

    await page.getByRole('button', { name: 'Roll back' }).click();
    await dialog.getByRole('textbox', { name: /Why/ }).fill('the new model misroutes printer tickets');
    await page.screenshot({ path: join(SCREENSHOTS, 'models-roll-back-dialog.png'), fullPage: true });
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.locator('[data-moved="rollback"]').waitFor();
    await expect.poll(() => row(v1).textContent()).toContain('In service');
    expect(await row(v2).textContent()).toContain('Rejected');
    expect(await t.registry.inService()).toMatchObject({
      modelVersion: v1,
      reason: `rolled back by admin@example.com from ${v2}: the new model misroutes printer tickets`,
    });

    // Put the rolled-back version in service again, from its own page.
    await row(v2).getByRole('link').click();
    await expect.poll(() => page.locator('#model-heading').textContent()).toContain(v2);
    await page.getByRole('button', { name: 'Put in service' }).click();
    const promote = page.getByRole('dialog', { name: `Put ${v2} in service?` });
    expect(await promote.textContent()).toContain(`It replaces ${v1}`);
    await promote.getByRole('button', { name: 'Put in service' }).click();
    await page.locator('[data-moved="promote"]').waitFor();
    await expect.poll(() => row(v2).textContent()).toContain('In service');
    expect(await row(v2).textContent()).toContain('Promoted');
    await expect
      .poll(() => page.locator('.model-detail').textContent())
      .toContain(`promoted by hand by admin@example.com (replacing ${v1})`);
    expect(await t.registry.inService()).toMatchObject({
      modelVersion: v2,
      previousVersion: v1,
      reason: 'promoted by hand by admin@example.com',
    });
    await page.screenshot({ path: join(SCREENSHOTS, 'models-put-in-service.png'), fullPage: true });
    await page.context().close();
  }, 60_000);

  it('an admin signs in and starts a retraining from the page (started by them)', async () => {
    const page = await freshPage();
    await page.goto(`${t.stack.webUrl}/#/models`);
    await signInAs(page, 'admin');
    expect(page.url()).toBe(`${t.stack.webUrl}/#/models`);
    expect(await page.locator('.account-role').textContent()).toBe('admin');

    await page.getByRole('button', { name: 'Retrain now' }).click();
    await page.locator('.retrain-status a').first().waitFor();
    await page.locator('[data-outcome]').waitFor({ timeout: 60_000 });
    const retrainArn = t.stack.stateMachines['retrain-model']!;
    const { executions = [] } = await t.clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: retrainArn }));
    expect(executions).toHaveLength(1);
    const run = await t.clients.sfn.send(new DescribeExecutionCommand({ executionArn: executions[0]!.executionArn }));
    expect(JSON.parse(run.input!)).toEqual({ trigger: 'api', by: 'admin@example.com' });
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-in-admin-models.png'), fullPage: true });
    await page.context().close();
  }, 90_000);

  it('sign out: the tokens are gone, the provider session ended, and signing in asks for the password again', async () => {
    const page = await freshPage();
    await page.goto(`${t.stack.webUrl}/#/runs`);
    await signInAs(page, 'reviewer');
    const { refresh_token } = (await storedUser(page))!;
    expect(refresh_token).toBeTruthy();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    expect(page.url()).toBe(`${t.stack.webUrl}/`);
    expect(await storedUser(page)).toBeNull();
    // The refresh token was revoked: it buys no new token.
    const refreshed = await fetch(`${signIn().issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh_token!,
        client_id: 'ticket-triage-web',
      }),
    });
    expect(refreshed.status).toBe(400);
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });

    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#username').waitFor();
    await signInAs(page, 'reviewer');
    expect(page.url()).toBe(`${t.stack.webUrl}/#/review`);
    await page.context().close();
  }, 60_000);

  it('tokens are refreshed before they expire; once the sign-in itself has expired, the page goes back to sign-in', async () => {
    const page = await freshPage();
    await page.goto(`${t.stack.webUrl}/#/review`);
    await signInAs(page, 'reviewer');
    const first = (await storedUser(page))!.id_token;

    // Past the token's lifetime the page keeps working: its requests carry a refreshed token.
    await page.waitForTimeout((TOKEN_SECONDS + 1) * 1000);
    await page.locator('.queue').focus();
    await page.keyboard.press('r');
    await expect.poll(async () => (await storedUser(page))?.id_token).not.toBe(first);
    expect(claimsOf((await storedUser(page))!.id_token).exp).toBeGreaterThan(claimsOf(first).exp);
    expect(await page.locator('.account').isVisible()).toBe(true);

    // The sign-in ends at the provider (an admin's global sign-out): when the token expires, the page cannot refresh
    // it and goes back to the sign-in page (not to an error), then, signed in again, to the same page.
    await signIn().globalSignOut('reviewer');
    await page.locator('#username').waitFor({ timeout: (TOKEN_SECONDS + 15) * 1000 });
    expect(new URL(page.url()).origin).toBe(signIn().issuer);
    await signInAs(page, 'reviewer');
    expect(page.url()).toBe(`${t.stack.webUrl}/#/review`);
    await page.locator('.ticket').waitFor();
    await page.context().close();
  }, 90_000);

  it('nothing went wrong in the pages: no errors, no request off this machine, only the refusals the tests provoked', () => {
    expect(problems).toEqual([]);
    expect(refusals).toEqual([
      '401 POST provider /interaction/…/login', // the wrong password
      '403 POST page /api/retrain', // a reviewer's retraining
      '403 POST page /api/models/rollback', // a reviewer's rollback
      '400 POST provider /token', // the refresh after the global sign-out
    ]);
  });
});
