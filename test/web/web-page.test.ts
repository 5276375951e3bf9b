import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as vectorizeHandler } from '../../handlers/vectorize-ticket.ts';
import { createWebPageHandler } from '../../src/web/static-files.ts';
import { MORE_KNOWN_TICKETS, NETWORK_TICKETS } from '../support/feedback-tickets.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The web page in a real browser (Debian's Chromium through playwright-core)
 * against a real local stack: tickets go through the classify-ticket
 * workflow, feedback is given by keyboard, runs are drawn from the ASL, and a
 * retraining started from the page makes a new model version.
 */
// Browser globals, used only inside page.evaluate callbacks (the project's tsconfig has no DOM lib).
// biome-ignore lint/suspicious/noExplicitAny: the DOM, typed by the browser, not by this project.
declare const document: any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM)
  console.warn(
    `[web tests] skipped: ${CHROMIUM} is missing (CI installs it: apt-get install -y --no-install-recommends chromium)`,
  );

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };

const TICKETS = [
  ...MORE_KNOWN_TICKETS.map((r, i) => ({
    ticketId: `WEB-${String(i).padStart(2, '0')}`,
    text: r.text,
    label: r.label,
  })),
  ...NETWORK_TICKETS.slice(0, 8).map((text, i) => ({ ticketId: `NET-${i}`, text, label: 'Network' })),
];
const FAILING = { ticketId: 'WEB-BROKEN', body: 'markerbroken the printer is on fire' };
const FLAKY = {
  ticketId: 'WEB-FLAKY',
  subject: 'Laptop',
  body: 'markerflaky my laptop screen flickers after the update',
};

let t: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
const flakyAttempts = new Map<string, number>();

async function screenshot(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const text = async (p: Page, selector: string) => (await p.locator(selector).first().textContent())?.trim() ?? '';

/** A page of its own at a viewport, with its console errors and any request off 127.0.0.1 recorded as problems. */
async function openPage(viewport: { width: number; height: number }): Promise<Page> {
  const p = await context.newPage();
  await p.setViewportSize(viewport);
  p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  p.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  p.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1')
      problems.push(`request off this machine: ${request.url()}`);
  });
  return p;
}

describe.skipIf(!HAS_CHROMIUM)('the web page in Chromium, against a local stack', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestStack({
      settings: { MIN_NEW_FEEDBACK: '5' },
      httpFallback: createWebPageHandler(),
      functionOverrides: {
        'vectorize-ticket': async (e: { tokens: string[] }) => {
          if (e.tokens.includes('markerbroken')) throw new Error('the vocabulary is broken for this ticket');
          if (e.tokens.includes('markerflaky')) {
            const n = (flakyAttempts.get('flaky') ?? 0) + 1;
            flakyAttempts.set('flaky', n);
            if (n === 1)
              throw Object.assign(new Error('the model store did not answer in time'), { name: 'TransientError' });
          }
          return vectorizeHandler(e);
        },
      },
    });
    await t.bootstrap();
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
        await t.send(FAILING);
        await t.send(FLAKY);
        await t.until(() => t.outputs.length >= TICKETS.length + 1 && t.rejections.length >= 1, 30_000);
      })(),
    ]);
    browser = launched;
    context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC' });
    context.setDefaultTimeout(10_000);
    page = await openPage(DESKTOP);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('serves the page and its libraries from the local server only, with a strict CSP', async () => {
    const index = await fetch(`${t.stack.webUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(
      /default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/,
    );
    expect((await fetch(`${t.stack.webUrl}/vendor/preact.mjs`)).headers.get('content-type')).toMatch(
      /text\/javascript/,
    );
    expect((await fetch(`${t.stack.webUrl}/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.stack.webUrl}/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${t.stack.webUrl}/vendor/zod.mjs`)).status).toBe(404);
    expect((await fetch(`${t.stack.webUrl}/`, { method: 'POST' })).status).toBe(405);
  });

  it('review: the queue (routed to review first, each ticket with its route and reason), confirm and correct by keyboard, counts change, undo', async () => {
    await page.goto(`${t.stack.webUrl}/#/review`);
    const items = page.locator('.queue [role="option"]');
    await expect.poll(() => items.count()).toBe(TICKETS.length + 2);

    // Each ticket shows its route (and for review, the reason); routed to review first, then automatically,
    // then the failed classifications (no route).
    const shown = await items.evaluateAll((els) =>
      els.map((el) => {
        const badge = el.querySelector('.route');
        return {
          ticketId: el.getAttribute('data-ticket-id'),
          route: badge?.getAttribute('data-route') ?? 'none',
          reason: badge?.getAttribute('data-reason') ?? null,
          text: badge?.textContent?.trim() ?? '',
        };
      }),
    );
    const order = { review: 0, auto: 1, none: 2 } as Record<string, number>;
    const ranks = shown.map((s) => order[s.route]!);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(shown.filter((s) => s.route === 'review').length).toBeGreaterThan(0);
    expect(shown.filter((s) => s.route === 'auto').length).toBeGreaterThan(0);
    for (const s of shown) {
      const record = (await t.predictions.get(s.ticketId!))!;
      expect(s.route, s.ticketId!).toBe(record.route ?? 'none');
      if (s.route === 'review') {
        expect(s.reason).toBe(record.reason);
        expect(s.text).toBe(record.reason === 'unknown' ? '? Review: fits no category' : '? Review: low confidence');
      }
      if (s.route === 'auto') expect(s.text).toBe('→ Auto');
    }
    // The badge is more than a colour: the warning badge is the review route.
    const flags = await items.evaluateAll((els) => els.map((el) => el.querySelector('.badge-warn') !== null));
    expect(flags).toEqual(shown.map((s) => s.route === 'review'));

    // The first ticket is selected; its text shows with the words that drove the prediction highlighted.
    const first = (await items.first().getAttribute('data-ticket-id'))!;
    await expect.poll(() => page.locator('.ticket').getAttribute('data-ticket-id')).toBe(first);
    await page.locator('.ticket[data-loaded="true"]').waitFor();
    expect(await page.locator('.ticket .why li').count()).toBeGreaterThan(0);
    // The selected ticket says where it went and why.
    expect(await page.locator('.ticket .prediction .route').getAttribute('data-route')).toBe('review');
    expect(await text(page, '.ticket .route-why')).toMatch(
      /^Sent to review because (its probability is below the threshold fitted for the model's target precision|it looks like none of the categories the model knows)\.$/,
    );
    expect(await text(page, '[data-stat="reviewed-today"]')).toBe('0');
    await screenshot(page, 'review-desktop');

    // Confirm with Enter: feedback recorded, the next ticket selected, the counts change.
    const predictedFirst = (await page.locator('.ticket .predicted').getAttribute('data-predicted'))!;
    await page.locator('.queue').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, '[data-stat="reviewed-today"]')).toBe('1');
    expect(await text(page, '[data-stat="agreement"]')).toBe('100%');
    await expect.poll(async () => (await t.feedback.get(first))?.feedback?.verdict).toBe('confirmed');
    expect((await t.feedback.get(first))!.feedback!.category).toBe(predictedFirst);
    const second = (await page.locator('.ticket').getAttribute('data-ticket-id'))!;
    expect(second).not.toBe(first);

    // Correct with e: the picker filters as one types; Enter picks.
    const predictedSecond = (await page.locator('.ticket .predicted').getAttribute('data-predicted'))!;
    const target = predictedSecond === 'Access' ? 'Purchase' : 'Access';
    await page.keyboard.press('e');
    await page.locator('#picker-input').waitFor();
    await page.keyboard.type(target.slice(0, 3).toLowerCase());
    expect(await page.locator('#picker-options [role="option"]').allTextContents()).toEqual([target]);
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page, '[data-stat="reviewed-today"]')).toBe('2');
    expect(await text(page, '[data-stat="agreement"]')).toBe('50%');
    expect((await t.feedback.get(second))!.feedback).toMatchObject({
      verdict: 'corrected',
      category: target,
      predictedCategory: predictedSecond,
    });
    await expect
      .poll(() => page.locator(`.queue [data-ticket-id="${second}"]`).textContent())
      .toContain(`Corrected to ${target}`);

    // Undo (u): the correction is taken back, the counts go back, the ticket is selected again.
    await page.keyboard.press('u');
    await expect.poll(() => text(page, '[data-stat="reviewed-today"]')).toBe('1');
    expect(await text(page, '[data-stat="agreement"]')).toBe('100%');
    expect((await t.feedback.get(second))!.feedback).toBeUndefined();
    await expect.poll(() => page.locator('.ticket').getAttribute('data-ticket-id')).toBe(second);
    expect(await page.locator('.ticket .feedback-state').getAttribute('data-feedback')).toBe('none');

    // A number key corrects to that category (the one numbered 1 in the row of buttons).
    const one = (await page.locator('.quick-cats button').first().textContent())!
      .replace(/^\s*1\s*/, '')
      .replace(/\(predicted.*$/, '')
      .trim();
    await page.keyboard.press('1');
    await expect.poll(() => text(page, '[data-stat="reviewed-today"]')).toBe('2');
    const verdict = (await t.feedback.get(second))!.feedback!;
    expect(verdict.category).toBe(one);
    expect(verdict.verdict).toBe(one === predictedSecond ? 'confirmed' : 'corrected');

    // j/k move; / focuses the filter, which narrows the queue; ? shows the shortcuts.
    const before = await page.locator('.ticket').getAttribute('data-ticket-id');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('.ticket').getAttribute('data-ticket-id')).not.toBe(before);
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.ticket').getAttribute('data-ticket-id')).toBe(before);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('quick-filter');
    await page.keyboard.type('NET-');
    await expect.poll(() => items.count()).toBe(8);
    await page.keyboard.press('Escape');
    await page.locator('#quick-filter').fill('');
    await page.locator('.queue').focus();
    await page.keyboard.press('?');
    await page.locator('dialog[open] table.shortcuts').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });

    // The route filter: routed to review only, automatically only, then all again (review first). The queue
    // shows the tickets without feedback (the default), as the API lists them.
    const listed = async (query: string) =>
      (
        (await (await fetch(`${t.stack.webUrl}/api/predictions?limit=100&hasFeedback=false&${query}`)).json()) as {
          items: unknown[];
        }
      ).items.length;
    await page.locator('#f-review').selectOption('only');
    await expect.poll(() => items.count()).toBe(await listed('route=review'));
    expect(await page.locator('.queue .route[data-route="auto"]').count()).toBe(0);
    await page.locator('#f-review').selectOption('confident');
    await expect.poll(() => items.count()).toBe(await listed('route=auto'));
    expect(await page.locator('.queue .route[data-route="review"]').count()).toBe(0);
    // A ticket routed automatically (words the model knows): its text shows with the words that drove the
    // prediction highlighted.
    await page.locator('.queue [data-ticket-id]').first().click();
    await expect.poll(() => text(page, '.ticket .route-why')).toMatch(/^Routed automatically to \S+: /);
    await page.locator('.ticket-text mark.hl').first().waitFor();
    await page.locator('#f-review').selectOption('first');
    const everything = (await listed('route=review')) + (await listed('route=auto')) + (await listed('status=failed'));
    await expect.poll(() => items.count()).toBe(everything);

    // The failed classification is in the queue; it cannot be confirmed, only corrected.
    await page.locator('.queue [data-ticket-id="WEB-BROKEN"]').click();
    await page.locator('.prediction.failed').waitFor();
    expect(await page.locator('.ticket .actions button.primary').count()).toBe(0);

    // Every form control has a name a screen reader can read.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, button, [role="option"], [role="listbox"]')]
        // biome-ignore lint/suspicious/noExplicitAny: a DOM element (no DOM lib here).
        .filter((el: any) => {
          const named =
            el.labels?.length ||
            el.getAttribute('aria-label') ||
            el.getAttribute('aria-labelledby') ||
            (el.textContent ?? '').trim();
          return !named;
        })
        // biome-ignore lint/suspicious/noExplicitAny: a DOM element (no DOM lib here).
        .map((el: any) => el.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);

    const phone = await openPage(PHONE);
    await phone.goto(`${t.stack.webUrl}/#/review`);
    await phone.locator('.ticket[data-loaded="true"] .quick-cats').waitFor();
    await screenshot(phone, 'review-phone');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await phone.close();
  });

  it('runs: both workflows listed; a run drawn from its ASL with each state coloured, its history state by state', async () => {
    await page.goto(`${t.stack.webUrl}/#/runs?workflow=classify-ticket`);
    const rows = page.locator('.runs-table tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    expect(await page.locator('.runs-table tbody tr .badge-ok').count()).toBeGreaterThan(0);

    // Filter by status: the failed run only.
    await page.locator('#f-status').selectOption('FAILED');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-execution')).toBe('ticket-WEB-BROKEN');
    await rows.first().locator('a').click();

    // The failed run: Vectorize failed and was caught, RecordFailure ran, PublishResult was never reached.
    await page.locator('.graph-svg .node[data-state="Vectorize"]').waitFor();
    const status = (state: string) =>
      page.locator(`.graph-svg .node[data-state="${state}"]`).getAttribute('data-status');
    await expect.poll(() => status('Vectorize')).toBe('caught');
    expect(await status('Preprocess')).toBe('succeeded');
    expect(await status('RecordFailure')).toBe('succeeded');
    expect(await status('ClassificationFailed')).toBe('failed');
    expect(await status('PublishResult')).toBe('unreached');
    expect(
      await page.locator('.graph-svg .edge-catch.taken[data-from="Vectorize"][data-to="RecordFailure"]').count(),
    ).toBe(1);
    expect(
      await page.locator('.steps .step').evaluateAll((els) => els.map((el) => el.getAttribute('data-state'))),
    ).toEqual(['PinModelVersion', 'Preprocess', 'Vectorize', 'RecordFailure', 'ClassificationFailed']);
    expect(await text(page, '.facts')).toContain('the vocabulary is broken for this ticket');

    // Ticket text is hidden in inputs/outputs until asked for.
    await page.locator('.graph-svg .node[data-state="Preprocess"]').click();
    const preprocess = page.locator('.step[data-state="Preprocess"]');
    await preprocess.locator('pre').first().waitFor();
    expect(await preprocess.textContent()).toContain('ticket text hidden');
    expect(await preprocess.textContent()).not.toContain('on fire');
    await page.getByRole('button', { name: 'Show ticket text' }).click();
    await expect.poll(() => preprocess.textContent()).toContain('markerbroken the printer is on fire');
    await page.getByRole('button', { name: 'Hide ticket text' }).click();
    await expect.poll(() => preprocess.textContent()).toContain('ticket text hidden');

    // A run with a retry: Vectorize succeeded on its second attempt.
    await page.goto(`${t.stack.webUrl}/#/runs/classify-ticket/ticket-WEB-FLAKY`);
    await expect.poll(() => status('Vectorize')).toBe('retried');
    expect(await status('PublishResult')).toBe('succeeded');
    expect(await status('RecordFailure')).toBe('unreached');
    const predict = page.locator('.step[data-state="Vectorize"]');
    expect(await predict.locator(':scope > summary').textContent()).toContain('1 retry');
    await page.locator('.graph-svg .node[data-state="Vectorize"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => predict.getAttribute('open')).not.toBeNull();
    expect(await predict.textContent()).toContain('the model store did not answer in time');
    await screenshot(page, 'run-detail-desktop');

    const phone = await openPage(PHONE);
    await phone.goto(`${t.stack.webUrl}/#/runs/classify-ticket/ticket-WEB-FLAKY`);
    await expect
      .poll(() => phone.locator('.graph-svg .node[data-state="Vectorize"]').getAttribute('data-status'))
      .toBe('retried');
    await screenshot(phone, 'run-detail-phone');
    await phone.close();
  });

  it('models: versions with their figures and confusion matrix; retrain now, the new version appears', async () => {
    // Feedback on every ticket (the true labels), enough for MIN_NEW_FEEDBACK.
    for (const ticket of TICKETS) {
      const predicted = t.outputs.find((o) => o.ticketId === ticket.ticketId)!.category;
      const body =
        predicted === ticket.label
          ? { verdict: 'confirmed' }
          : { verdict: 'corrected', category: ticket.label, allowNewCategory: true };
      const response = await fetch(`${t.stack.webUrl}/api/predictions/${ticket.ticketId}/feedback`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, by: 'test' }),
      });
      expect(response.status).toBe(200);
    }

    await page.goto(`${t.stack.webUrl}/#/models`);
    const rows = page.locator('.models-table tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await page.locator('table.heatmap').waitFor();
    expect(await page.locator('table.heatmap td.cell').count()).toBe(9); // 3 categories
    expect(await rows.first().textContent()).toContain('In service');
    // Coverage, everywhere a model is judged: in the table and in the version's figures.
    expect(await text(page, '.models-table tbody tr [data-figure="coverage"]')).toMatch(/^\d+\.\d%$/);
    expect(await text(page, '.model-detail [data-figure="coverage"] dd')).toMatch(/^\d+\.\d%/);
    expect(await text(page, '.model-detail .facts')).toMatch(/automatic at probability ≥ \d\.\d{3}/);
    // Without sign-in everyone may do everything: the rollback is offered (here with nothing to roll back to).
    expect(await page.getByRole('button', { name: 'Roll back' }).isDisabled()).toBe(true);
    expect(await page.locator('.model-actions').textContent()).toContain('No earlier model to roll back to.');

    await page.getByRole('button', { name: 'Retrain now' }).click();
    await page.locator('[data-outcome]').waitFor({ timeout: 60_000 });
    const outcome = await page.locator('[data-outcome]').getAttribute('data-outcome');
    expect(['promoted', 'rejected']).toContain(outcome);
    await expect.poll(() => rows.count()).toBe(2);
    // The page shows the new version: 4 categories now (Network was learnt from the corrections).
    await expect.poll(() => page.locator('table.heatmap td.cell').count()).toBe(16);
    expect(await text(page, '#model-heading')).not.toContain(await rows.nth(1).getAttribute('data-version'));
    await screenshot(page, 'models-desktop');

    // Its run, drawn: the gate's branch taken.
    await page.locator('.retrain-status a').click();
    await page.locator('.graph-svg .node[data-state="GateHolds"]').waitFor();
    await expect
      .poll(() => page.locator('.graph-svg .node[data-state="GateHolds"]').getAttribute('data-status'))
      .toBe('succeeded');
    const branch = outcome === 'promoted' ? 'Promote' : 'Reject';
    expect(await page.locator(`.graph-svg .node[data-state="${branch}"]`).getAttribute('data-status')).toBe(
      'succeeded',
    );
    expect(await page.locator('.graph-svg .node[data-state="NotEnoughFeedback"]').getAttribute('data-status')).toBe(
      'unreached',
    );
    await screenshot(page, 'run-retrain-desktop');

    // The runs list of the retraining workflow shows it with its model version.
    await page.goto(`${t.stack.webUrl}/#/runs?workflow=retrain-model`);
    await expect.poll(() => page.locator('.runs-table tbody tr').count()).toBe(1);
    expect(await page.locator('.runs-table tbody tr').first().textContent()).toContain(outcome!);

    const phone = await openPage(PHONE);
    await phone.goto(`${t.stack.webUrl}/#/models`);
    await phone.locator('table.heatmap').waitFor();
    await screenshot(phone, 'models-phone');
    await phone.close();
  }, 90_000);

  it('nothing went wrong in the page: no errors, no request off this machine', () => {
    expect(problems).toEqual([]);
  });
});
