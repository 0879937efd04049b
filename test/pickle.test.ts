// The unpickler: reads what Python writes, refuses what is not data, and fails cleanly on corrupt input.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { importArtifacts } from '../src/import/artifact.js';
import { readPickle } from '../src/import/pickle/joblib.js';
import { NdArray } from '../src/import/pickle/numpy.js';
import { PickleError } from '../src/import/pickle/unpickler.js';
import { PyObject, PyTuple } from '../src/import/pickle/values.js';
import { resolveSklearn } from '../src/import/sklearn/index.js';
import { DEFAULT_TUNING } from '../src/runtime/onnx-runner.js';
import { FIXTURES } from './helpers/fixtures.js';

const none = () => undefined;
const read = (bytes: Uint8Array | string) => readPickle(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, none);

describe('unpickler', () => {
  it('reads protocol 0 text opcodes', () => {
    // (lp0\nI1\naF2.5\naS'abc'\naI01\na.  →  [1, 2.5, b'abc', True]
    const value = read("(lp0\nI1\naF2.5\naS'abc'\naI01\na.") as unknown[];
    assert.equal(value[0], 1);
    assert.equal(value[1], 2.5);
    assert.equal(Buffer.from((value[2] as { bytes: Uint8Array }).bytes).toString(), 'abc');
    assert.equal(value[3], true);
  });

  it('reads binary containers, memo and long integers', () => {
    // protocol 2: {'a': (1, -2, 2**70)} with a memoised key reused in a list
    const bytes = Buffer.concat([
      Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00]), // PROTO 2, EMPTY_DICT, BINPUT 0
      Buffer.from('X\x01\x00\x00\x00a', 'latin1'), Buffer.from([0x71, 0x01]), // BINUNICODE 'a', BINPUT 1
      Buffer.from([0x4b, 0x01]), // BININT1 1
      Buffer.from([0x4a, 0xfe, 0xff, 0xff, 0xff]), // BININT -2
      Buffer.from([0x8a, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]), // LONG1 2**70
      Buffer.from([0x87, 0x73, 0x2e]), // TUPLE3, SETITEM, STOP
    ]);
    const value = read(bytes) as Map<string, unknown[]>;
    assert.ok(value instanceof Map);
    const t = value.get('a') as unknown[];
    assert.ok(t instanceof PyTuple);
    assert.deepEqual([...t], [1, -2, 2n ** 70n]);
  });

  it('keeps __proto__ as an ordinary dict key', () => {
    const bytes = Buffer.from('\x80\x04}\x8c\t__proto__K\x07s.', 'latin1');
    const value = read(bytes) as Map<string, number>;
    assert.equal(value.get('__proto__'), 7);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  describe('refuses what is not data', () => {
    const hostile: [string, string, RegExp][] = [
      ['os.system via GLOBAL + REDUCE', "cos\nsystem\n(S'touch /tmp/pwned'\ntR.", /refusing to load 'os\.system'/],
      ['posix.system', "cposix\nsystem\n(S'id'\ntR.", /posix\.system/],
      ['builtins.eval via STACK_GLOBAL', '\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x041+1\x85R.', /builtins\.eval/],
      ['getattr', "c__builtin__\ngetattr\n.", /getattr/],
      ['subprocess via INST', "(S'ls'\nisubprocess\nPopen\n.", /subprocess\.Popen/],
      ['an unsupported scikit-learn estimator', "csklearn.cluster._kmeans\nKMeans\n.", /^sklearn.cluster._kmeans.KMeans is not supported \(`modelport inspect --supported` lists what is\)$/],
      ['persistent ids', "\x80\x02X\x01\x00\x00\x00aQ.", /persistent ids/],
      ['REDUCE of a non-class', '\x80\x02K\x01)R.', /not a known class/],
    ];
    for (const [name, pickle, message] of hostile) {
      it(name, () => {
        assert.throws(() => readPickle(Buffer.from(pickle, 'latin1'), resolveSklearn), (err: Error) => {
          assert.ok(err instanceof PickleError, `${err.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
      });
    }
  });

  describe('fails cleanly on corrupt input', () => {
    const corrupt: [string, Uint8Array | string, RegExp][] = [
      ['an empty stream', '', /truncated/],
      ['no STOP', '\x80\x02K\x01', /truncated/],
      ['a huge declared length', '\x80\x03B\xff\xff\xff\xff', /truncated: 4294967295 bytes declared/],
      ['a huge 8-byte length', '\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f', /too large/],
      ['an unknown opcode', '\x80\x02\xff.', /unknown opcode 0xff/],
      ['an unknown protocol', '\x80\x09.', /protocol 9/],
      ['stack underflow', '\x80\x02t.', /MARK/],
      ['a memo key never stored', '\x80\x02h\x05.', /memo key 5/],
      ['deep nesting', `\x80\x02${'('.repeat(100_000)}`, /nested deeper/],
      ['data left at STOP', '\x80\x02K\x01K\x02.', /left on the stack/],
      ['invalid UTF-8', '\x80\x03X\x02\x00\x00\x00\xc3\x28.', /UTF-8/],
      ['a numpy array whose bytes do not match its shape',
        "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R(K\x01K\x05\x85cnumpy\ndtype\nX\x02\x00\x00\x00f8K\x00K\x01\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x62\x89C\x08\x00\x00\x00\x00\x00\x00\xf0?t\x62.",
        /needs 40/],
      ['a corrupt zlib stream', new Uint8Array([0x78, 0x9c, 1, 2, 3, 4]), /corrupt compressed/],
      ['a truncated xz stream', new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]), /corrupt xz-compressed/],
      ['lzma without a declared size', new Uint8Array([0x5d, 0, 0, 0x40, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]), /does not declare its size/],
      ['bz2 compression', new Uint8Array([0x42, 0x5a, 0x68, 0x39]), /bz2 are not supported/],
    ];
    for (const [name, bytes, message] of corrupt) {
      it(name, () => {
        assert.throws(() => read(bytes), (err: Error) => {
          assert.ok(err instanceof PickleError, `${err.name}: ${err.message}`);
          assert.match(err.message, message);
          return true;
        });
      });
    }

    it('stops a decompression bomb at the configured limit', () => {
      const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
      assert.throws(() => readPickle(bomb, none, { maxDecompressedBytes: 1024 * 1024 }), /exceeds 1048576 bytes/);
      const xzBomb = xz.compressSync(Buffer.alloc(8 * 1024 * 1024));
      assert.throws(() => readPickle(xzBomb, none, { maxDecompressedBytes: 1024 * 1024 }), /exceeds 1048576 bytes/);
    });
  });

  it('rebuilds numpy arrays of every layout scikit-learn pickles contain', () => {
    const forest = readPickle(readFileSync(join(FIXTURES, 'sklearn/random_forest_classifier.joblib')), resolveSklearn) as PyObject;
    const trees = forest.get('estimators_') as PyObject[];
    const tree = trees[0].get('tree_') as PyObject;
    const nodes = tree.get('nodes') as NdArray;
    assert.deepEqual([...nodes.dtype.names!], ['left_child', 'right_child', 'feature', 'threshold', 'impurity', 'n_node_samples', 'weighted_n_node_samples']);
    assert.equal(nodes.dtype.itemsize, 56);
    assert.equal(nodes.field('left_child').numbers()[0], 1);
    const classes = readPickle(readFileSync(join(FIXTURES, 'sklearn/decision_tree_classifier.pkl')), resolveSklearn) as PyObject;
    assert.deepEqual((classes.get('classes_') as NdArray).items(), ['setosa', 'versicolor', 'virginica']);
  });
});

describe('fuzzing real pickles', () => {
  // Random byte mutations of real model files must end in a clean Error, never a crash or a hang.
  const dir = join(FIXTURES, 'sklearn');
  const seeds = readdirSync(dir).filter((f) => /\.(pkl|joblib)$/.test(f) && !f.includes('forest') && !f.includes('boosting')).sort();
  let state = 0x2545f491;
  const random = () => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };

  it('survives mutations of every seed file within a time budget', async (t) => {
    const deadline = Date.now() + 8000;
    let runs = 0;
    let accepted = 0;
    while (Date.now() < deadline) {
      const seed = readFileSync(join(dir, seeds[runs % seeds.length]));
      const bytes = new Uint8Array(seed);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * bytes.length);
        const kind = random();
        if (kind < 0.6) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.8) bytes[at] ^= 1 << Math.floor(random() * 8);
        else bytes.fill(0xff, at, Math.min(bytes.length, at + 8));
      }
      const cut = random() < 0.1 ? Math.floor(random() * bytes.length) : bytes.length;
      try {
        const model = await importArtifacts([{ name: 'fuzz.pkl', bytes: bytes.subarray(0, cut) }], DEFAULT_TUNING);
        await model.runner.dispose();
        accepted++;
      } catch (err) {
        assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
      }
      runs++;
    }
    t.diagnostic(`${runs} mutated files, ${accepted} still loaded`);
    assert.ok(runs > 50, `only ${runs} runs`);
    assert.ok(accepted < runs, 'every mutation was accepted: the mutator does nothing');
  });
});
