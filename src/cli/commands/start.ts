import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { createAwsClients } from '../../aws/clients.ts';
import { readLabelledCsv } from '../../data/labelled-csv.ts';
import { DEFAULT_PROFILE, isProfileName, PROFILE_NAMES } from '../../model/profiles.ts';
import { bootstrapModel } from '../../operations/bootstrap.ts';
import { startLocalStack } from '../../local-stack/local-stack.ts';
import { DEFAULT_DATA_DIR, readStackFile, removeStackFile, writeStackFile } from '../../local-stack/stack-file.ts';
import { projectPath } from '../../workflows/catalog.ts';
import { port, wholeNumber, workflowType, workflowTypeOrDefault, type WorkflowType } from '../options.ts';
import { CliError, percent, warn } from '../output.ts';
import { storesOf } from '../stores.ts';

interface StartOptions {
  dataDir: string;
  gatewayPort: number;
  port: number;
  pollers: number;
  demoData: string;
  profile: string;
  auth: (typeof AUTH_MODES)[number];
  oidcPort: number;
  workflowType?: WorkflowType;
}

const AUTH_MODES = ['none', 'oidc'] as const;

export const DEMO_DATA = 'data/demo-tickets.csv';

/** A second `start` on a data directory in use: say which stack has it and how to proceed. */
function inUseMessage(error: unknown, dataDir: string): CliError | undefined {
  if (!(error instanceof Error) || error.name !== 'DataDirInUseError') return undefined;
  const holder = (error as Error & { holder: { pid: number; endpoints?: Record<string, string> } }).holder;
  const web = readStackFile(dataDir)?.webUrl;
  const where = [
    `pid ${holder.pid}`,
    ...(holder.endpoints?.gateway ? [`AWS endpoint ${holder.endpoints.gateway}`] : []),
    ...(web ? [`web page ${web}`] : []),
  ].join(', ');
  return new CliError(
    `a ticket-triage stack is already running on ${dataDir} (${where}).\n` +
      `Use that one (npx triage send/runs find it), stop it (Ctrl-C in its terminal, or kill ${holder.pid}), ` +
      'or start another with --data-dir <another dir> and other ports.',
    'Conflict',
  );
}

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
      port,
      4566,
    )
    .option('--port <port>', 'port of the web page and its API on 127.0.0.1', port, 8080)
    .option('--pollers <n>', 'concurrent pollers of the input queue (1-32)', wholeNumber(1, 32), 4)
    .option('--demo-data <file>', 'tickets the first model is trained on when none is in service', DEMO_DATA)
    .option('--profile <name>', `profile of that first model (${PROFILE_NAMES.join(', ')})`, DEFAULT_PROFILE)
    .addOption(
      new Option(
        '--auth <mode>',
        'sign-in for the web page and its API: none (anyone on this machine may do everything) or oidc (a local OpenID Connect provider with a reviewer and an admin, roles enforced as on AWS)',
      )
        .choices(AUTH_MODES)
        .default('none'),
    )
    .option(
      '--oidc-port <port>',
      'port of the local OpenID Connect provider on 127.0.0.1 (with --auth oidc)',
      port,
      8081,
    )
    .option(
      '--workflow-type <type>',
      "STANDARD or EXPRESS classification workflow (as CDK's -c classifyWorkflowType; default: CLASSIFY_WORKFLOW_TYPE or STANDARD)",
      workflowType,
    )
    .action(async (options: StartOptions) => {
      if (!isProfileName(options.profile)) throw new CliError(`unknown profile "${options.profile}"`);
      const classifyWorkflowType = workflowTypeOrDefault(options.workflowType);
      const started = performance.now();
      const stack = await startLocalStack({
        dataDir: options.dataDir,
        ports: { gateway: options.gatewayPort },
        eventSource: { pollers: options.pollers },
        classifyWorkflowType,
        httpPort: options.port,
        webPage: true,
        ...(options.auth === 'oidc' && { auth: { kind: 'oidc', port: options.oidcPort } }),
      }).catch((error: unknown) => {
        throw inUseMessage(error, options.dataDir) ?? error;
      });
      const clients = createAwsClients(stack.config);
      const { store, registry } = storesOf({ where: 'local', config: stack.config, clients });
      let inService = await registry.inService();
      if (!inService) {
        const demo = existsSync(options.demoData) ? options.demoData : projectPath(options.demoData);
        console.log(`no model in service yet: training a first one on ${options.demoData} ...`);
        const data = await readLabelledCsv(demo);
        data.warnings.forEach(warn);
        const result = await bootstrapModel(store, registry, {
          texts: data.texts,
          labels: data.labels,
          sha256: data.sha256,
          source: options.demoData,
          profile: options.profile,
          targetPrecision: stack.config.TARGET_PRECISION,
        });
        const h = result.holdoutMetrics;
        console.log(
          `model ${result.model.manifest.version} in service (holdout accuracy ${percent(h.accuracy, 1)}; routed automatically ${percent(h.routing.coverage, 1)} at precision ${percent(h.routing.autoPrecision, 1)}, target ${percent(stack.config.TARGET_PRECISION, 0)})`,
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
      if (stack.signIn) {
        line('sign-in', `${stack.signIn.issuer}  (local OpenID Connect provider; tokens checked as on AWS)`);
        for (const user of stack.signIn.users)
          line('', `${user.username} / ${user.password}  (${user.groups.join(', ')})`);
      } else {
        line('sign-in', 'none (--auth oidc signs in with roles, as on AWS)');
      }
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
