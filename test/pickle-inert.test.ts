// Objects fitted estimators carry that are not model parameters (random states, bit generators, seed sequences,
// functools.partial, pandas indexes and dtypes, protocol 2 bytes) load as plain data from the pickles NumPy 1 and 2
// write (test/fixtures/sklearn-models/<version>/inert_*.pkl); a look-alike that names code is refused.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPickle } from '../src/import/pickle/joblib.js';
import { PickleError, PyClass } from '../src/import/pickle/unpickler.js';
import { PyBytes, PyObject } from '../src/import/pickle/values.js';
import { resolveSklearn } from '../src/import/sklearn/index.js';
import { FIXTURES } from './helpers/fixtures.js';

const ROOT = join(FIXTURES, 'sklearn-models');
const VERSIONS = readdirSync(ROOT).filter((d) => /^\d+\.\d+\.\d+$/.test(d)).sort();
const load = (version: string, name: string) => readPickle(readFileSync(join(ROOT, version, `inert_${name}.pkl`)), resolveSklearn);

/** Every value reachable from `value`, depth first. */
function* walk(value: unknown, seen = new Set<unknown>()): Generator<unknown> {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  yield value;
  const children: unknown[] = value instanceof PyObject ? [...value.args, value.state, ...value.items.values()]
    : value instanceof Map ? [...value.keys(), ...value.values()]
    : Array.isArray(value) ? value : [];
  for (const child of children) yield* walk(child, seen);
}

/** The class names of every object in a loaded pickle. */
function classNames(value: unknown): string[] {
  return [...walk(value)].flatMap((v) => (v instanceof PyObject ? [v.className] : v instanceof PyClass ? [v.name] : []));
}

/** A protocol 2 pickle of `module.name(*args)` with string arguments, built from opcodes. */
function call(module: string, name: string, ...args: string[]): Buffer {
  const text = (s: string) => {
    const utf8 = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x58]), Buffer.from(Uint32Array.of(utf8.length).buffer), utf8]); // BINUNICODE
  };
  return Buffer.concat([
    Buffer.from([0x80, 0x02]), Buffer.from(`c${module}\n${name}\n`, 'latin1'), Buffer.from([0x28]), // GLOBAL, MARK
    ...args.map(text), Buffer.from([0x74, 0x52, 0x2e]), // TUPLE, REDUCE, STOP
  ]);
}

describe('inert objects in pickles', () => {
  it('has fixtures from each version', () => assert.deepEqual(VERSIONS, ['1.2.1', '1.4.2', '1.9.0']));

  for (const version of VERSIONS) {
    it(`${version}: RandomState (protocol 2, its key array as _codecs.encode bytes) is data`, () => {
      const state = load(version, 'random_state');
      assert.ok(state instanceof PyObject);
      assert.match(state.className, /__randomstate_ctor$/);
      assert.ok(classNames(state).some((n) => /MT19937|__bit_generator_ctor/.test(n)));
    });

    it(`${version}: Generator, SeedSequence and every bit generator are data`, () => {
      const generator = load(version, 'generator');
      assert.ok(generator instanceof PyObject);
      assert.match(generator.className, /__generator_ctor$/);
      const seeds = load(version, 'seed_sequence');
      assert.ok(seeds instanceof PyObject && /SeedSequence/.test(seeds.className));
      const bits = load(version, 'bit_generators') as unknown[];
      assert.equal(bits.length, 4);
      // NumPy 1 names the bit generator by a string argument, NumPy 2 by its class.
      const names = [...classNames(bits), ...bits.flatMap((b) => (b instanceof PyObject ? b.args.filter((a) => typeof a === 'string') : []))].join(' ');
      for (const g of ['PCG64', 'MT19937', 'Philox', 'SFC64']) assert.ok(names.includes(g), `${g} in ${names}`);
    });

    it(`${version}: functools.partial of an allow-listed ufunc is data that only names it`, () => {
      const partial = load(version, 'partial');
      assert.ok(partial instanceof PyObject && partial.className === 'functools.partial');
      assert.ok(partial.args[0] instanceof PyClass && /log1p$/.test(partial.args[0].name));
    });

    it(`${version}: pandas Index, RangeIndex and CategoricalDtype are data`, () => {
      const [index, dtype, range] = load(version, 'pandas') as unknown[];
      assert.ok(index instanceof PyObject && index.className.endsWith('_new_Index'));
      assert.ok(dtype instanceof PyObject && dtype.className.endsWith('CategoricalDtype'));
      assert.ok(range instanceof PyObject);
    });

    it(`${version}: an MLPClassifier keeps its _random_state as data`, () => {
      const mlp = load(version, 'mlp_random_state');
      assert.ok(mlp instanceof PyObject);
      const rs = mlp.get('_random_state');
      assert.ok(rs instanceof PyObject && /__randomstate_ctor$/.test(rs.className));
    });
  }

  it('rebuilds _codecs.encode(text, latin1) as bytes and refuses other encodings', () => {
    const bytes = readPickle(call('_codecs', 'encode', '\u00ff\u0000', 'latin1'), resolveSklearn);
    assert.ok(bytes instanceof PyBytes);
    assert.deepEqual([...bytes.bytes], [0xff, 0x00]);
    assert.throws(() => readPickle(call('_codecs', 'encode', 'x', 'rot13'), resolveSklearn), PickleError);
  });

  it('refuses functools.partial(os.system) and a bare os.system call', () => {
    const partialOfSystem = Buffer.concat([
      Buffer.from([0x80, 0x02]), Buffer.from('cfunctools\npartial\ncos\nsystem\n', 'latin1'),
      Buffer.from([0x85, 0x52, 0x2e]),
    ]);
    assert.throws(() => readPickle(partialOfSystem, resolveSklearn), (e: Error) => e instanceof PickleError && /refusing to load 'os\.system'/.test(e.message));
    assert.throws(() => readPickle(call('os', 'system', 'echo hi'), resolveSklearn), /refusing to load 'os\.system'/);
  });
});
