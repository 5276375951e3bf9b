import { readFileSync } from 'node:fs';
import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS, programFor, selectedCommand, VERSION } from '../../../src/cli/main.ts';

describe('the CLI loads only the command it runs', () => {
  it('lists, without loading any command, exactly what the commands register (triage --help)', async () => {
    const full = await buildProgram();
    const lazy = await programFor(['--help']);
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    const help = new Help();
    expect(
      full.commands.map((command) => ({
        name: command.name(),
        term: help.subcommandTerm(command),
        summary: command.description(),
      })),
    ).toEqual(COMMANDS.map(({ name, term, summary }) => ({ name, term, summary })));
  });

  it.each([
    [['send', 'my printer is on fire'], 'send'],
    [['send', '--help'], 'send'],
    [['runs', 'show', 'ticket-1'], 'runs'],
    [['help', 'predict'], 'predict'],
    [['models'], 'models'],
    [['--help'], undefined],
    [['-h', 'send'], undefined],
    [['--version'], undefined],
    [['help'], undefined],
    [['sned', 'x'], undefined],
    [[], undefined],
    [['--target', 'aws', 'send'], undefined], // not a program option: commander says so
  ])('%j runs %s', (args, name) => {
    expect(selectedCommand(args)?.name).toBe(name);
  });

  it('registers the selected command for real and no other', async () => {
    const program = await programFor(['send', 'hello']);
    expect(program.commands.map((c) => c.name())).toEqual(['send']);
    expect(program.commands[0]!.options.map((o) => o.long)).toContain('--wait');
  });

  it('registers every command as a listing when none is selected (help, typos)', async () => {
    const program = await programFor(['sned']);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    expect(program.commands.every((c) => c.options.length === 0)).toBe(true);
  });

  it('--version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
