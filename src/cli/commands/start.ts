import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { createAwsClients } from '../../aws/clients.ts';
import { readLabelledCsv } from '../../data/labelled-csv.ts';
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES } from '../../model/profiles.ts';
import { bootstrapModel } from '../../operations/bootstrap.ts';
import { startLocalStack } from '../../runtime/local-stack.ts';
import { DEFAULT_DATA_DIR, removeStackFile, writeStackFile } from '../../runtime/stack-file.ts';
import { createWebPageHandler } from '../../web/static-files.ts';
import { projectPath } from '../../workflows/catalog.ts';
import { CliError, percent } from '../output.ts';
import { storesOf } from '../stores.ts';

interface StartOptions {
  dataDir: string;
  gatewayPort: string;
  port: string;
  pollers: string;
  demoData: string;
  profile: string;
  workflowType: string;
}

export const DEMO_DATA = 'data/demo-tickets.csv';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run the whole pipeline locally: AWS-compatible servers, both workflows, the queue poller (what `npm start` runs)',
    )
    .option('--data-dir <dir>', 'where queues, tables, models and run history persist', DEFAULT_DATA_DIR)
    .option(
      '--gateway-port <port>',
      'one endpoint for every local AWS service (AWS_ENDPOINT_URL for outside tools)',
      '4566',
    )
    .option('--port <port>', 'port of the web page and its API on 127.0.0.1', '8080')
    .option('--pollers <n>', 'concurrent pollers of the input queue', '4')
    .option('--demo-data <file>', 'tickets the first model is trained on when none is in service', DEMO_DATA)
    .option('--profile <name>', `profile of that first model (${PROFILE_NAMES.join(', ')})`, DEFAULT_PROFILE)
    .option(
      '--workflow-type <type>',
      "STANDARD or EXPRESS classification workflow (as CDK's -c classifyWorkflowType; default: CLASSIFY_WORKFLOW_TYPE or STANDARD)",
    )
    .action(async (options: StartOptions) => {
      if (!isProfileName(options.profile)) throw new CliError(`unknown profile "${options.profile}"`);
      const workflowType = (options.workflowType ?? process.env.CLASSIFY_WORKFLOW_TYPE ?? 'STANDARD').toUpperCase();
      if (workflowType !== 'STANDARD' && workflowType !== 'EXPRESS')
        throw new CliError(`--workflow-type must be STANDARD or EXPRESS, not "${options.workflowType}"`);
      const httpPort = Number(options.port);
      if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535)
        throw new CliError(`--port must be a port number, not "${options.port}"`);
      const started = performance.now();
      const stack = await startLocalStack({
        dataDir: options.dataDir,
        ports: { gateway: Number(options.gatewayPort) },
        eventSource: { pollers: Number(options.pollers) },
        classifyWorkflowType: workflowType,
        httpPort,
        httpFallback: createWebPageHandler(),
      });
      const clients = createAwsClients(stack.config);
      const { store, registry } = storesOf({ where: 'local', config: stack.config, clients });
      let inService = await registry.inService();
      if (!inService) {
        const demo = existsSync(options.demoData) ? options.demoData : projectPath(options.demoData);
        console.log(`no model in service yet: training a first one on ${options.demoData} ...`);
        const data = await readLabelledCsv(demo);
        const result = await bootstrapModel(store, registry, {
          texts: data.texts,
          labels: data.labels,
          sha256: data.sha256,
          source: options.demoData,
          profile: options.profile,
        });
        console.log(
          `model ${result.model.manifest.version} in service (holdout accuracy ${percent(result.holdoutMetrics.accuracy, 1)})`,
        );
        inService = await registry.inService();
      }
      writeStackFile(options.dataDir, {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        webUrl: stack.webUrl,
        environment: stack.environment,
      });

      const line = (label: string, value: string) => console.log(`  ${label.padEnd(18)} ${value}`);
      console.log(
        `\nticket-triage is running locally (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
      );
      line('model in service', inService!.modelVersion);
      line('input queue', stack.queues.input);
      line('output queue', stack.queues.output);
      line('rejected queue', stack.queues.rejected);
      line('web page', `${stack.webUrl}/  (review, runs, models)`);
      line('review API', `${stack.webUrl}/api/predictions`);
      line(
        'retraining',
        stack.retrainSchedule
          ? `${stack.config.RETRAIN_SCHEDULE} (next ${stack.retrainSchedule.nextRun()?.toISOString() ?? '-'}); \`npx triage retrain\` runs one now`
          : 'schedule off (RETRAIN_SCHEDULE=off); `npx triage retrain` runs one',
      );
      line('AWS endpoint', `${stack.runtime.endpoints.gateway}  (AWS_ENDPOINT_URL for the AWS CLI/SDKs)`);
      for (const [name, arn] of Object.entries(stack.stateMachines)) line(name, arn);
      line('data directory', options.dataDir);
      console.log('\nTry it:  npx triage send "my laptop will not boot after the update"');
      console.log('         npx triage runs\n\nCtrl-C stops it (data persists).');

      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      console.log('\nstopping (finishing the tickets in flight) ...');
      removeStackFile(options.dataDir);
      await stack.stop();
    });
}
