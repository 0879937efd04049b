// `--shard i/n`: which part of the input one process of a sharded job scores. A file is cut into n contiguous
// row ranges (CSV / NDJSON by bytes at line ends, so a shard reads only its own range; Parquet by row groups);
// a folder or glob is cut into every n-th file. `auto/n` takes i from JOB_COMPLETION_INDEX (a Kubernetes
// Indexed Job).
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(auto|\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--shard takes i/n (0 <= i < n) or auto/n, not '${spec}'`);
  const count = Number(m[2]);
  let indexText = m[1];
  if (indexText === 'auto') {
    indexText = env.JOB_COMPLETION_INDEX ?? '';
    if (!/^\d+$/.test(indexText)) throw new UsageError('--shard auto/n needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job) to be a number');
  }
  const index = Number(indexText);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${spec}: the index must be at least 0 and below the count (${count})`);
  return { index, count };
}

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {}

/** The shard's part of n equal parts of [0, total), as a half-open range. */
export function evenPart(total: number, shard: Shard): [number, number] {
  return [Math.floor((total * shard.index) / shard.count), Math.floor((total * (shard.index + 1)) / shard.count)];
}

const NEWLINE = 0x0a;

/**
 * The first line start at or after `offset` (just past a '\n'), or the file size. A line end inside a quoted CSV
 * field is taken for a row end here: files with quoted newlines shard correctly only by files.
 */
async function lineStartFrom(path: string, offset: number, size: number): Promise<number> {
  if (offset <= 0) return 0;
  if (offset >= size) return size;
  const file = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (let at = offset - 1; at < size; at += chunk.length) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
      const i = chunk.subarray(0, bytesRead).indexOf(NEWLINE);
      if (i >= 0) return at + i + 1;
    }
    return size;
  } finally {
    await file.close();
  }
}

/** The byte range [start, end) of a CSV or NDJSON file that a shard scores: whole lines, contiguous across shards. */
export async function byteRange(path: string, shard: Shard): Promise<[number, number]> {
  const { size } = await stat(path);
  const [from, to] = evenPart(size, shard);
  return [await lineStartFrom(path, from, size), shard.index + 1 === shard.count ? size : await lineStartFrom(path, to, size)];
}

/** The row groups (indices) a shard scores: a contiguous run, the groups split as evenly as their count allows. */
export function rowGroupRange(groups: number, shard: Shard): [number, number] {
  return evenPart(groups, shard);
}

const GLOB_CHARS = /[*?]/;

/** A glob's pattern in its last path part only (`data/part-*.csv`): '*' any run of characters, '?' one. */
function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function isGlob(input: string): boolean {
  return GLOB_CHARS.test(basename(input));
}

/** The files of a folder (the input formats' endings) or a glob, sorted; with a shard, every n-th of them. */
export async function listInputFiles(input: string, extensions: readonly string[], shard: Shard): Promise<string[]> {
  let dir: string;
  let accept: (name: string) => boolean;
  if (isGlob(input)) {
    if (GLOB_CHARS.test(dirname(input))) throw new UsageError(`'${input}': only the last part of a glob may hold * or ?`);
    dir = dirname(input);
    const re = globToRegExp(basename(input));
    accept = (name) => re.test(name);
  } else {
    dir = input;
    accept = (name) => extensions.some((ext) => name.toLowerCase().endsWith(ext));
  }
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && accept(e.name)).map((e) => e.name).sort();
  if (files.length === 0) throw new UsageError(`'${input}' matches no input file`);
  return files.filter((_, i) => i % shard.count === shard.index).map((name) => join(dir, name));
}
