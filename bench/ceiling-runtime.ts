// The other ceiling: onnxruntime in-process, no HTTP, one single-row run after another on one thread.
import { readFileSync } from 'node:fs';
import { importArtifacts } from '../src/import/artifact.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { makeTensor } from '../src/tensor.js';

const [file, width, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 3)];
const model = await importArtifacts([{ name: file, bytes: readFileSync(file) }], DEFAULT_TUNING);
const spec = model.runner.inputs[0];
const data = spec.type === 'float32' ? new Float32Array(width).fill(1) : new Float64Array(width).fill(1);
const feeds = { [spec.name]: makeTensor(spec.type, data, [1, width]) };
const latencies: number[] = [];
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const t = process.hrtime.bigint();
  await model.runner.run(feeds);
  latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
}
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({ runs_per_s: latencies.length / seconds, p50_ms: at(0.5), p99_ms: at(0.99) }));
await model.runner.dispose();
