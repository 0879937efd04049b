// SimpleImputer and MissingIndicator, on numeric and string columns. A missing value is NaN in a numeric
// column and the MISSING_STRING marker in a string one (the codecs turn null into them).
import { ML_DOMAIN, type GraphBuilder } from '../../onnx/builder.js';
import type { PyObject } from '../pickle/values.js';
import { array, attr, ConversionError, inputWidth, objectAttr, shortName } from './attrs.js';
import { register, type Column, type ColumnFacts, type Features, type StepResult } from './converter.js';
import { f64 } from './graph-ops.js';
import { columnOf, hstack, MISSING_STRING, tableFeatures } from './table.js';

const isNaNLike = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/** Rows of `column` that hold the estimator's missing_values, as a bool [N, 1]. */
function missingMask(g: GraphBuilder, column: Column, missingValues: unknown, owner: string): string {
  if (column.type === 'float64') {
    if (isNaNLike(missingValues)) return g.op('IsNaN', [column.name]);
    if (typeof missingValues !== 'number') throw new ConversionError(`${owner}: missing_values=${JSON.stringify(missingValues)} on a numeric column`);
    return g.op('Equal', [column.name, f64(g, 'missing_value', [missingValues], [])]);
  }
  const marker = isNaNLike(missingValues) ? MISSING_STRING : missingValues;
  if (typeof marker !== 'string') throw new ConversionError(`${owner}: missing_values=${String(missingValues)} on a string column`);
  g.opset(ML_DOMAIN, 2);
  const hit = g.op('LabelEncoder', [column.name], { keys_strings: { strings: [marker] }, values_int64s: { ints: [1] }, default_int64: { int: 0 } }, ML_DOMAIN);
  return g.op('Cast', [hit], { to: { int: 9 } });
}

/** Columns whose missing values are flagged: features_ of a fitted MissingIndicator. */
function flaggedColumns(indicator: PyObject): number[] {
  return Array.from(array(indicator, 'features_').numbers());
}

/** MissingIndicator.transform as float64 0/1 columns (hstacked with floats, as scikit-learn's output is). */
function indicate(indicator: PyObject, input: Features, g: GraphBuilder): Features {
  const owner = shortName(indicator);
  const flags = flaggedColumns(indicator).map((j) => g.op('Cast', [missingMask(g, columnOf(g, input, j), attr(indicator, 'missing_values'), owner)], { to: { int: 11 } }));
  if (flags.length === 0) return { name: '', width: 0, type: 'float64' };
  return { name: flags.length === 1 ? flags[0] : g.op('Concat', flags, { axis: { int: 1 } }), width: flags.length, type: 'float64' };
}

function statisticsOf(imputer: PyObject): unknown[] {
  return array(imputer, 'statistics_').items();
}

/** Columns kept in the output: a column all missing at fit has a NaN statistic and is dropped, unless told not to. */
function keptColumns(imputer: PyObject): boolean[] {
  const keepAll = attr(imputer, 'keep_empty_features') === true;
  return statisticsOf(imputer).map((s) => keepAll || !(typeof s === 'number' && Number.isNaN(s)));
}

function impute(imputer: PyObject, input: Features, g: GraphBuilder): StepResult {
  const owner = shortName(imputer);
  const statistics = statisticsOf(imputer);
  const kept = keptColumns(imputer);
  const missingValues = attr(imputer, 'missing_values');
  const columns: Column[] = [];
  statistics.forEach((statistic, j) => {
    if (!kept[j]) return;
    const column = columnOf(g, input, j);
    let fill: string;
    if (column.type === 'string') {
      if (typeof statistic !== 'string') throw new ConversionError(`${owner}: the fill value of string column ${j} is ${String(statistic)}, not a string`);
      fill = g.constant('fill', { type: 'string', dims: [], values: [statistic] });
    } else {
      if (typeof statistic !== 'number' && statistic !== null) throw new ConversionError(`${owner}: the fill value of numeric column ${j} is ${JSON.stringify(statistic)}`);
      fill = f64(g, 'fill', [statistic === null ? NaN : statistic], []);
    }
    const name = g.op('Where', [missingMask(g, column, missingValues, owner), fill, column.name]);
    columns.push({ name, type: column.type });
  });
  const imputed = tableFeatures(g, columns);
  const indicator = attr(imputer, 'add_indicator') === true ? objectAttr(imputer, 'indicator_') : null;
  if (!indicator) return { kind: 'features', features: imputed };
  return { kind: 'features', features: hstack(g, [imputed, indicate(indicator, input, g)], owner) };
}

function imputerFacts(imputer: PyObject): ColumnFacts[] {
  const takesNaN = isNaNLike(attr(imputer, 'missing_values'));
  const kept = keptColumns(imputer);
  const passes = attr(imputer, 'add_indicator') !== true && kept.every(Boolean);
  return statisticsOf(imputer).map((s) => ({
    ...(typeof s === 'string' ? { kind: 'string' as const } : typeof s === 'number' && !Number.isNaN(s) ? { kind: 'number' as const } : {}),
    missing: takesNaN,
    ...(passes ? { passes, keepsValues: true } : {}),
  }));
}

function indicatorFacts(indicator: PyObject): ColumnFacts[] {
  const flagged = new Set(flaggedColumns(indicator));
  // With features='missing-only', a missing value in a column that had none at fit raises (error_on_new).
  const strict = attr(indicator, 'features') !== 'all' && attr(indicator, 'error_on_new') !== false;
  const takesNaN = isNaNLike(attr(indicator, 'missing_values'));
  return Array.from({ length: inputWidth(indicator) }, (_, j) => ({ missing: takesNaN && (!strict || flagged.has(j)) }));
}

register({ classes: ['SimpleImputer'], acceptsStrings: true, inputWidth, columnFacts: imputerFacts, convert: impute });
register({
  classes: ['MissingIndicator'],
  acceptsStrings: true,
  inputWidth,
  columnFacts: indicatorFacts,
  convert: (indicator, input, g) => {
    const features = indicate(indicator, input, g);
    if (features.width === 0) throw new ConversionError('MissingIndicator: no column had missing values at fit, so it outputs nothing');
    return { kind: 'features', features };
  },
});
