/**
 * `kill -9` of a running stack (`triage start` as a child process) at chosen
 * moments, restarts on the same data directory, and the accounting: every
 * ticket whose send was acknowledged ends as exactly one outcome: with
 * classify-ticket STANDARD, and EXPRESS (executions re-run after the restart
 * find the claim and first-outcome records that killed invocations left in
 * progress: waited out, or taken over by the same invocation run again).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { childClients, startChildStack, type ChildClients, type ChildStack } from '../../bench/child-stack.ts';
import { projectPath } from '../../src/workflows/catalog.ts';
import { tempDataDir } from '../local/helpers.ts';

const dataDirs = { STANDARD: tempDataDir('crash'), EXPRESS: tempDataDir('crash-express') };
const stacks: ChildStack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.kill()));
  for (const data of Object.values(dataDirs)) data.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (ticketId: string) =>
  JSON.stringify({ ticketId, subject: 'VPN', body: `cannot connect to the VPN since the update (${ticketId})` });

type WorkflowType = keyof typeof dataDirs;

async function start(workflowType: WorkflowType): Promise<{ stack: ChildStack; clients: ChildClients }> {
  const stack = await startChildStack(dataDirs[workflowType].dir, { pollers: 2, workflowType });
  stacks.push(stack);
  return { stack, clients: childClients(stack.environment) };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.each(['STANDARD', 'EXPRESS'] as const)(
  'crash recovery (kill -9 of the whole stack), classify-ticket %s',
  (workflowType) => {
    it('keeps every acknowledged ticket to exactly one outcome through kills mid-send and mid-publish, and classifies new tickets after each restart', async () => {
      const data = dataDirs[workflowType];
      const acknowledged = new Set<string>();
      let { stack, clients } = await start(workflowType);
      const env = () => stack.environment;

      // 1. Killed in the middle of a burst of sends.
      const ids = Array.from({ length: 300 }, (_, i) => `crash-${i}`);
      let stopSending = false;
      const sender = (async () => {
        for (let i = 0; i < ids.length && !stopSending; i += 10) {
          const batch = ids.slice(i, i + 10);
          try {
            for (const k of await clients.sendBatch(env().INPUT_QUEUE_URL!, batch.map(body)))
              acknowledged.add(batch[k]!);
          } catch {
            return;
          }
        }
      })();
      await until(async () => acknowledged.size >= 150, 60_000);
      await stack.kill();
      stopSending = true;
      await sender;
      clients.destroy();

      // 2. Restart: a new ticket is classified (not dead-lettered), then killed again while results are being published.
      ({ stack, clients } = await start(workflowType));
      const probe = 'crash-probe-1';
      expect(await clients.sendBatch(env().INPUT_QUEUE_URL!, [body(probe)])).toEqual([0]);
      acknowledged.add(probe);
      await until(async () => (await clients.ticketStatus(probe)) === 'classified', 90_000);
      // New ids: an unacknowledged send before the kill may still have arrived (then re-sending the same id is a second message: a duplicate rejection).
      const rest = Array.from({ length: 100 }, (_, i) => `crash-after-${i}`);
      for (let i = 0; i < rest.length; i += 10) {
        const batch = rest.slice(i, i + 10);
        for (const k of await clients.sendBatch(env().INPUT_QUEUE_URL!, batch.map(body))) acknowledged.add(batch[k]!);
      }
      const target = Math.floor(acknowledged.size * 0.3);
      await until(async () => (await clients.queueDepth(env().OUTPUT_QUEUE_URL!)).visible >= target, 120_000);
      await stack.kill();
      clients.destroy();

      // 3. Restart; a second `triage start` on the same data dir is refused with a plain message.
      ({ stack, clients } = await start(workflowType));
      const second = spawnSync(
        process.execPath,
        [projectPath('bin/triage.mjs'), 'start', '--data-dir', data.dir, '--gateway-port', '0', '--port', '0'],
        { encoding: 'utf8', timeout: 60_000, env: { ...process.env, RETRAIN_SCHEDULE: 'off' } },
      );
      expect(second.status).toBe(3); // not possible here or now (docs/cli.md)
      expect(second.stderr).toContain(`already running on ${data.dir}`);
      expect(second.stderr).toContain(`pid ${stack.pid}`);
      expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace

      const probe2 = 'crash-probe-2';
      expect(await clients.sendBatch(env().INPUT_QUEUE_URL!, [body(probe2)])).toEqual([0]);
      acknowledged.add(probe2);
      await until(async () => (await clients.ticketStatus(probe2)) === 'classified', 90_000);

      // 4. Everything drained: read the queues to the end and count outcomes per ticket.
      await until(async () => {
        const input = await clients.queueDepth(env().INPUT_QUEUE_URL!);
        const out = await clients.queueDepth(env().OUTPUT_QUEUE_URL!);
        const rejected = await clients.queueDepth(env().REJECTED_QUEUE_URL!);
        return input.visible + input.inFlight === 0 && out.visible + rejected.visible >= acknowledged.size;
      }, 120_000);
      await sleep(1500); // a late duplicate would arrive now
      const outcomes = new Map<string, number>();
      for (const b of [
        ...(await clients.readToEnd(env().OUTPUT_QUEUE_URL!)),
        ...(await clients.readToEnd(env().REJECTED_QUEUE_URL!)),
      ]) {
        const id = (JSON.parse(b) as { ticketId?: string }).ticketId ?? '';
        outcomes.set(id, (outcomes.get(id) ?? 0) + 1);
      }
      const deadLettered = await clients.readToEnd(env().INPUT_QUEUE_URL!.replace(/[^/]+$/, 'ticket-triage-input-dlq'));
      const lost = [...acknowledged].filter((id) => !outcomes.has(id));
      const doubled = [...ids, ...acknowledged].filter((id) => (outcomes.get(id) ?? 0) > 1);
      expect({ lost, doubled, deadLettered: deadLettered.length }).toEqual({ lost: [], doubled: [], deadLettered: 0 });
      expect(acknowledged.size).toBeGreaterThan(150);
      await stack.stop();
      clients.destroy();
    }, 600_000);
  },
);
