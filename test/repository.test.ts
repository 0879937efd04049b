// The model repository: layouts, manifests, versions, and models that fail without taking others down.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateManifest } from '../src/repository/manifest.js';
import { ModelRepository } from '../src/repository/repository.js';
import { FIXTURES } from './helpers/fixtures.js';
import { linearRegressor, makeRepository, zipmapClassifier } from './helpers/models.js';

const sk = (f: string) => readFileSync(join(FIXTURES, 'sklearn', f));

describe('model.yaml', () => {
  it('accepts every documented key', () => {
    const m = validateManifest({
      description: 'd', artifacts: ['a.pkl', 'b.pkl'], task: 'classification', labels: { 0: 'no', 1: 'yes' },
      inputs: ['x', { name: 'y', type: 'double', min: 0, max: 1, description: 'why' }],
      batching: { max_batch_size: 8, max_delay_ms: 0.5, max_queue: 10 },
    }, 'model.yaml');
    assert.deepEqual(m.inputs, [{ name: 'x' }, { name: 'y', type: 'float64', min: 0, max: 1, description: 'why' }]);
    assert.deepEqual(m.labels, { 0: 'no', 1: 'yes' });
  });

  const bad: [string, unknown, RegExp][] = [
    ['an unknown key', { labls: {} }, /unknown key 'labls'/],
    ['a path in artifacts', { artifacts: ['../x.pkl'] }, /paths are not allowed/],
    ['an unknown type', { inputs: [{ name: 'x', type: 'complex' }] }, /unknown type 'complex'/],
    ['a duplicated input', { inputs: ['x', 'x'] }, /listed twice/],
    ['a bad batch size', { batching: { max_batch_size: 0 } }, /positive integer/],
    ['a bad task', { task: 'ranking' }, /task/],
    ['a list at the top', [1, 2], /mapping/],
  ];
  for (const [name, raw, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => validateManifest(raw, 'model.yaml'), message));
  }
});

describe('repository', () => {
  it('serves folders with versions, flat folders, bare files and composed artifacts', async () => {
    const root = await makeRepository({
      'iris/1/model.onnx': zipmapClassifier(),
      'iris/2/model.onnx': zipmapClassifier(),
      'flat/model.pkl': sk('decision_tree_classifier.pkl'),
      'bare.onnx': linearRegressor(),
      'text/model.yaml': 'artifacts: [vectorizer.pkl, classifier.pkl]\nlabels: {0: Negative, 1: Positive}\n',
      'text/1/vectorizer.pkl': readFileSync(join(FIXTURES, 'sklearn/composed/vectorizer.pkl')),
      'text/1/classifier.pkl': readFileSync(join(FIXTURES, 'sklearn/composed/classifier.pkl')),
      '.hidden/1/model.onnx': linearRegressor(),
      'notes.txt': 'not a model',
    });
    const repo = await ModelRepository.open(root);
    try {
      assert.deepEqual(repo.list().map((m) => m.name).sort(), ['bare', 'flat', 'iris', 'text']);
      assert.equal(repo.version('iris').version, 2);
      assert.equal(repo.version('iris', '1').version, 1);
      assert.throws(() => repo.version('iris', '3'), /no version 3/);
      assert.throws(() => repo.version('nope'), /not in the repository/);
      const text = repo.ready('text');
      assert.deepEqual(text.signature.labels, ['Negative', 'Positive']);
      assert.equal(text.estimator, 'TfidfVectorizer → MultinomialNB');
      assert.ok(repo.isReady());
    } finally {
      await repo.close();
    }
  });

  it('reports a broken manifest, a missing artifact and a hostile pickle, and serves the rest', async () => {
    const root = await makeRepository({
      'good.onnx': linearRegressor(),
      'badyaml/model.yaml': 'labels: [unclosed',
      'badyaml/1/model.onnx': linearRegressor(),
      'missing/model.yaml': 'artifacts: [nothere.pkl]\n',
      'missing/1/model.onnx': linearRegressor(),
      'evil/1/model.pkl': Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1'),
      'two/1/a.onnx': linearRegressor(),
      'two/1/b.onnx': linearRegressor(),
    });
    const repo = await ModelRepository.open(root);
    try {
      assert.equal(repo.version('good').state, 'ready');
      assert.match(repo.version('badyaml').error ?? '', /not valid YAML/);
      assert.match(repo.version('missing').error ?? '', /nothere\.pkl/);
      assert.match(repo.version('evil').error ?? '', /refusing to load 'os\.system'/);
      assert.match(repo.version('two').error ?? '', /several model files \(a\.onnx, b\.onnx\)/);
      assert.equal(repo.isReady(), false);
      assert.throws(() => repo.ready('evil'), (e: Error & { status: number }) => e.status === 503);
    } finally {
      await repo.close();
    }
  });

  it("serves one model's folder under a given name (KServe's /mnt/models)", async () => {
    const root = await makeRepository({ 'model.joblib': sk('random_forest_classifier.joblib') });
    const repo = await ModelRepository.open(root, { singleModel: 'fraud' });
    try {
      assert.deepEqual(repo.list().map((m) => m.name), ['fraud']);
      assert.equal(repo.ready('fraud').signature.task, 'classification');
    } finally {
      await repo.close();
    }
  });
});
