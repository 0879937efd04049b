// Memory and CPU of a process and its descendants (a server's cluster workers, a CLI's worker threads' process),
// read from /proc: what the benchmarks report as a process tree's RSS.
import { readFileSync } from 'node:fs';

/** The process and all its descendants, itself first. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      const children = readFileSync(`/proc/${tree[i]}/task/${tree[i]}/children`, 'utf8').trim();
      if (children) tree.push(...children.split(/\s+/).map(Number));
    } catch { /* exited */ }
  }
  return tree;
}

/** A memory field of /proc/<pid>/status summed over the tree, MB: VmRSS now, or VmHWM, each process's peak. */
export function treeMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const pattern = new RegExp(`${field}:\\s+(\\d+)`);
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(pattern.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch { /* exited */ }
  }
  return kb / 1024;
}

/** CPU seconds (user + system) the live tree has used so far. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* exited */ }
  }
  return ticks / 100;
}
