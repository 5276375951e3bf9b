import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REFERENCE_DIR } from './endava.ts';

/** The fields of the reference script's JSON lines that the benchmarks compare against. */
export interface SklearnFigures {
  readonly variant: string;
  readonly accuracy: number;
  readonly macro_f1: number;
  readonly t_preprocess_train_s: number;
  readonly t_fit_s: number;
  readonly e2e_single_median_ms: number;
  readonly predict_single_p95_ms: number;
  readonly pickle_bytes: number;
  readonly peak_rss_mib: number;
  /** Where the figures come from: measured in this run, or RESULTS.md's recorded run. */
  readonly source: 'measured now' | 'recorded (RESULTS.md)';
}

const PYTHON = '/usr/bin/python3';
const WORDNET = '/usr/share/wordnet';

function sklearnAvailable(): boolean {
  if (!existsSync(PYTHON) || !existsSync(WORDNET)) return false;
  return spawnSync(PYTHON, ['-c', 'import sklearn, nltk, pandas, psutil'], { stdio: 'ignore' }).status === 0;
}

/** NLTK wants a `corpora/wordnet` folder with a `lexnames` file that Debian's wordnet-base lacks. */
function nltkDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'triage-nltk-'));
  const wordnet = join(dir, 'corpora', 'wordnet');
  mkdirSync(wordnet, { recursive: true });
  for (const file of readdirSync(WORDNET)) symlinkSync(join(WORDNET, file), join(wordnet, file));
  const man = execFileSync('sh', ['-c', 'zcat /usr/share/man/man5/lexnames.5WN.gz 2>/dev/null || true'], {
    encoding: 'utf8',
  });
  const lines = man
    .split('\n')
    .filter((l) => /^\d{2}\s/.test(l))
    .map((l) => {
      const [num, name] = l.trim().split(/\s+/);
      const kind = name!.split('.')[0];
      const type = kind === 'noun' ? 1 : kind === 'verb' ? 2 : kind === 'adv' ? 4 : 3;
      return `${num}\t${name}\t${type}`;
    });
  writeFileSync(join(wordnet, 'lexnames'), `${lines.join('\n')}\n`);
  return dir;
}

function recorded(variant: string): SklearnFigures | undefined {
  const file = join(REFERENCE_DIR, 'results.jsonl');
  if (!existsSync(file)) return undefined;
  const row = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SklearnFigures & { dataset: string; target: string })
    .find((r) => r.dataset === 'kaggle' && r.target === 'Topic_group' && r.variant === variant);
  return row && { ...row, source: 'recorded (RESULTS.md)' };
}

/**
 * Runs the scikit-learn reference script for `variant` in this same benchmark
 * run when Debian's python3-sklearn is installed; otherwise returns the
 * figures recorded in RESULTS.md.
 */
export function sklearnFigures(
  variant: string,
  log: (line: string) => void,
  options: { run?: boolean } = {},
): SklearnFigures | undefined {
  const script = join(REFERENCE_DIR, 'sklearn_ref.py');
  if (options.run === false) {
    log(`scikit-learn ${variant}: not run (--no-sklearn); using the figures recorded in RESULTS.md`);
    return recorded(variant);
  }
  if (!existsSync(script) || !sklearnAvailable()) {
    log(`scikit-learn ${variant}: python3-sklearn not installed; using the figures recorded in RESULTS.md`);
    return recorded(variant);
  }
  log(`scikit-learn ${variant}: running the reference script now (${PYTHON})...`);
  const out = join(mkdtempSync(join(tmpdir(), 'triage-sklearn-')), 'results.jsonl');
  const run = spawnSync(
    PYTHON,
    [script, '--dataset', 'kaggle', '--target', 'Topic_group', '--variant', variant, '--out', out],
    {
      env: { ...process.env, NLTK_DATA: nltkDataDir() },
      encoding: 'utf8',
    },
  );
  if (run.status !== 0 || !existsSync(out)) {
    log(
      `scikit-learn ${variant}: the reference script failed (${(run.stderr || '').trim().split('\n').pop()}); using RESULTS.md`,
    );
    return recorded(variant);
  }
  const row = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').pop()!) as SklearnFigures;
  return { ...row, source: 'measured now' };
}
