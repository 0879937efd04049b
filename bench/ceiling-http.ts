// The ceiling a Node server cannot beat: node:http answering a constant JSON body, one process per core.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8090);
const workers = Number(process.argv[3] ?? 2);
const body = JSON.stringify({ prediction: { label: 'setosa', probabilities: { setosa: 1, versicolor: 0, virginica: 0 } } });

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }).listen(port, '127.0.0.1');
}
