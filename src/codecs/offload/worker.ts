// The codec worker thread: runs tasks for the main thread and transfers typed arrays back without copying.
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './tasks.js';
import { buffersOf, errorToWire } from './wire.js';

parentPort?.on('message', ({ id, task }: { id: number; task: Task }) => {
  try {
    const result = runTask(task);
    const transfer = result instanceof Uint8Array ? [result.buffer as ArrayBuffer]
      : 'scoredIndex' in result ? [...buffersOf(result.feeds ?? []), result.scoredIndex.buffer as ArrayBuffer]
      : buffersOf(result.feeds);
    parentPort?.postMessage({ id, result }, transfer);
  } catch (err) {
    parentPort?.postMessage({ id, error: errorToWire(err) });
  }
});
