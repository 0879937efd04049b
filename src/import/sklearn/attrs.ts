// Reading a reconstructed estimator's attributes, with errors that name the estimator and the attribute.
import { NdArray } from '../pickle/numpy.js';
import { PyBytes, PyObject } from '../pickle/values.js';

export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

export function shortName(obj: PyObject): string {
  return obj.className.split('.').pop() ?? obj.className;
}

function missing(obj: PyObject, name: string, what: string): never {
  throw new ConversionError(`${shortName(obj)}: attribute '${name}' is missing or not ${what} (is the estimator fitted?)`);
}

export function attr(obj: PyObject, name: string): unknown {
  return obj.get(name);
}

export function array(obj: PyObject, name: string): NdArray {
  const v = obj.get(name);
  if (!(v instanceof NdArray)) missing(obj, name, 'an array');
  return v;
}

export function optionalArray(obj: PyObject, name: string): NdArray | null {
  const v = obj.get(name);
  return v instanceof NdArray ? v : null;
}

export function numberAttr(obj: PyObject, name: string): number {
  const v = obj.get(name);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  if (v instanceof NdArray && v.size === 1) return v.numbers()[0];
  return missing(obj, name, 'a number');
}

export function optionalNumber(obj: PyObject, name: string): number | null {
  const v = obj.get(name);
  return v === undefined || v === null ? null : numberAttr(obj, name);
}

export function objectAttr(obj: PyObject, name: string): PyObject {
  const v = obj.get(name);
  if (!(v instanceof PyObject)) missing(obj, name, 'an object');
  return v;
}

/** classes_ as JS values: strings stay strings, numeric classes become numbers. */
export function classesOf(obj: PyObject): (string | number)[] {
  const classes = array(obj, 'classes_').items();
  return classes.map((c) => {
    if (typeof c === 'string' || typeof c === 'number') return c;
    if (typeof c === 'boolean') return Number(c);
    if (c instanceof PyBytes) return Buffer.from(c.bytes).toString('latin1');
    throw new ConversionError(`${shortName(obj)}: class labels must be strings or numbers`);
  });
}

/** The scikit-learn version that pickled the estimator, as [major, minor]; [0, 0] when unknown. */
export function sklearnVersion(obj: PyObject): [number, number] {
  const v = obj.get('_sklearn_version');
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Feature names from feature_names_in_ (set when fitted on a DataFrame). */
export function featureNames(obj: PyObject): string[] | undefined {
  const v = obj.get('feature_names_in_');
  if (!(v instanceof NdArray)) return undefined;
  const names = v.items();
  return names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
}

/** n_features_in_ (scikit-learn ≥ 1.0), or what older versions kept instead. */
export function inputWidth(obj: PyObject): number {
  for (const name of ['n_features_in_', 'n_features_']) {
    const v = optionalNumber(obj, name);
    if (v !== null) return v;
  }
  for (const name of ['coef_', 'scale_', 'mean_', 'theta_', 'feature_log_prob_']) {
    const a = optionalArray(obj, name);
    if (a) return a.shape[a.shape.length - 1];
  }
  const tree = obj.get('tree_');
  if (tree instanceof PyObject && typeof tree.args[0] === 'number') return tree.args[0];
  throw new ConversionError(`${shortName(obj)}: cannot tell how many features it takes (no n_features_in_)`);
}
