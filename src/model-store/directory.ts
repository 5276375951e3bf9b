import { statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ArtifactFormatError,
  MODEL_FILES,
  parseManifest,
  type ModelManifest,
  type PackagedModel,
} from '../model/artifact.ts';
import { TriageError } from '../errors.ts';
import { loadTicketClassifier, type TicketClassifier } from '../model/ticket-classifier.ts';

/** Where a model directory cannot be written, said for the person who named it. */
export class ModelDirectoryError extends TriageError {
  override readonly name = 'ModelDirectoryError';
  constructor(message: string) {
    super(message, 'InvalidInput');
  }
}

/** Refuses, before any work is done, a model directory that names an existing file. */
export function checkModelDirectory(dir: string): void {
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory())
    throw new ModelDirectoryError(
      `${dir} is a file, not a directory: name a directory for the model (it is created if missing)`,
    );
}

/**
 * A model artifact as a plain directory (`triage train --out model/`): created
 * when missing, its model files replaced when it holds a model already.
 */
export async function saveModelDirectory(dir: string, model: PackagedModel): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelDirectoryError(
      code === 'EEXIST' || code === 'ENOTDIR'
        ? `${dir} is a file, not a directory: name a directory for the model (it is created if missing)`
        : `cannot create the directory ${dir} (${code ?? (error as Error).message})`,
    );
  }
  // Parts first, manifest last: a directory with a manifest is complete.
  for (const [name, bytes] of Object.entries(model.files))
    if (name !== MODEL_FILES.manifest) await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, MODEL_FILES.manifest), model.files[MODEL_FILES.manifest]!);
}

async function readPart(dir: string, file: string): Promise<Uint8Array> {
  try {
    return await readFile(join(dir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ArtifactFormatError(
      code === 'ENOENT'
        ? `${join(dir, file)} is missing: the model directory is incomplete`
        : `cannot read ${join(dir, file)} (${code})`,
    );
  }
}

export async function readModelManifest(dir: string): Promise<ModelManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MODEL_FILES.manifest), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ArtifactFormatError(
        `no model at ${dir} (no ${MODEL_FILES.manifest}); train one with \`triage train --out ${dir}\``,
      );
    throw new ArtifactFormatError(`cannot read ${join(dir, MODEL_FILES.manifest)} (${code})`);
  }
  return parseManifest(text);
}

export async function loadModelDirectory(dir: string): Promise<TicketClassifier> {
  const manifest = await readModelManifest(dir);
  const [vectorizer, classifier] = await Promise.all([
    readPart(dir, manifest.parts.vectorizer.file),
    readPart(dir, manifest.parts.classifier.file),
  ]);
  return loadTicketClassifier(manifest, { vectorizer, classifier });
}
