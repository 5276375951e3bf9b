import { type Command, Option } from 'commander';
import { createAwsClients, type AwsClients } from '../aws/clients.ts';
import { parseConfig, type Config } from '../config.ts';
import { DEFAULT_DATA_DIR, readStackFile } from '../local-stack/stack-file.ts';
import { CliError } from './output.ts';

export interface TargetOptions {
  target?: 'local' | 'aws';
  dataDir?: string;
}

/** Adds `--target` and `--data-dir` to a command that talks to a running stack. */
export function targetOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--target <where>',
        'local (the stack `npm start` runs) or aws (settings from the environment: MODEL_BUCKET, INPUT_QUEUE_URL, ...)',
      )
        .choices(['local', 'aws'])
        .default('local'),
    )
    .option('--data-dir <dir>', 'data directory of the local stack', DEFAULT_DATA_DIR);
}

export interface Target {
  readonly where: 'local' | 'aws';
  readonly config: Config;
  readonly clients: AwsClients;
  readonly webUrl?: string;
}

/** The settings and clients of the stack a command works on. */
export function resolveTarget(options: TargetOptions): Target {
  const where = options.target ?? 'local';
  if (where !== 'local' && where !== 'aws') throw new CliError(`--target must be "local" or "aws", not "${where}"`);
  if (where === 'aws') {
    const config = parseConfig(process.env);
    return { where, config, clients: createAwsClients(config) };
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const file = readStackFile(dataDir);
  if (!file)
    throw new CliError(
      `no local stack is running (nothing at ${dataDir}/local-stack.json): start it with \`npm start\` in another terminal, or use --target aws`,
      'NotConfigured',
    );
  const config = parseConfig({ ...process.env, ...file.environment });
  return { where, config, clients: createAwsClients(config), ...(file.webUrl && { webUrl: file.webUrl }) };
}
