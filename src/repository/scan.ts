// Finds the models in a repository folder: `NAME/<version>/artifact` folders (Triton / TF Serving style),
// `NAME/artifact` folders (one version), and bare `NAME.onnx`-style files (version 1).
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ARTIFACT_EXTENSIONS } from '../import/artifact.js';

export interface VersionSource {
  version: number;
  /** The folder holding the artifacts, or null for a bare file. */
  dir: string | null;
  /** Candidate artifact files (absolute paths); the manifest's `artifacts` may pick among the folder's files. */
  files: string[];
}

export interface ModelSource {
  name: string;
  manifestPath: string | null;
  versions: VersionSource[];
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const isArtifact = (file: string) => ARTIFACT_EXTENSIONS.includes(extname(file).toLowerCase());

/** A folder's entries; none when it is gone (removed while the repository is rescanned). */
async function entriesOf(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function artifactFiles(dir: string): Promise<string[]> {
  const entries = await entriesOf(dir);
  return entries.filter((e) => e.isFile() && isArtifact(e.name)).map((e) => join(dir, e.name)).sort();
}

/** One model's own folder (version folders or artifacts directly), served under `name`: KServe's /mnt/models. */
export async function scanSingleModel(dir: string, name: string): Promise<ModelSource[]> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`model folder '${dir}' is not a folder`);
  if (!MODEL_NAME.test(name)) throw new Error(`'${name}' is not a valid model name`);
  const source = await modelFolder(dir, name);
  if (!source) throw new Error(`model folder '${dir}' holds no model file`);
  return [source];
}

async function modelFolder(path: string, name: string): Promise<ModelSource | null> {
  const children = await entriesOf(path);
  const versions: VersionSource[] = await Promise.all(children.filter((c) => c.isDirectory() && /^\d+$/.test(c.name)).map(async (child) => {
    const dir = join(path, child.name);
    return { version: Number(child.name), dir, files: await artifactFiles(dir) };
  }));
  if (versions.length === 0) {
    const files = await artifactFiles(path);
    if (files.length === 0) return null;
    versions.push({ version: 1, dir: path, files });
  }
  versions.sort((a, b) => a.version - b.version);
  const hasManifest = children.some((c) => c.isFile() && c.name === 'model.yaml');
  return { name, manifestPath: hasManifest ? join(path, 'model.yaml') : null, versions };
}

export async function scanRepository(root: string): Promise<ModelSource[]> {
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`model repository '${root}' is not a folder`);
  const entries = (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  // Folders are read in parallel: a repository of a thousand models is scanned in one pass of the disk queue.
  const models = await Promise.all(entries.map(async (entry): Promise<ModelSource | null> => {
    if (entry.name.startsWith('.')) return null;
    const path = join(root, entry.name);
    if (entry.isFile() && isArtifact(entry.name)) {
      const name = entry.name.slice(0, -extname(entry.name).length);
      return MODEL_NAME.test(name) ? { name, manifestPath: null, versions: [{ version: 1, dir: null, files: [path] }] } : null;
    }
    if (!entry.isDirectory() || !MODEL_NAME.test(entry.name)) return null;
    return modelFolder(path, entry.name);
  }));
  return models.filter((m): m is ModelSource => m !== null);
}
