// Reading the fixtures written by the Python generating scripts.
import { fileURLToPath } from 'node:url';

/** test/fixtures in the source tree (the compiled tests run from dist/test). */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

export interface Expected {
  X: number[][] | string[];
  predict: (number | string | number[])[];
  predict_proba?: number[][];
  transform?: number[][];
  classes?: (number | string)[];
}

export function maxAbsError(actual: number[][], expected: number[][]): number {
  if (actual.length !== expected.length) throw new Error(`${actual.length} rows, expected ${expected.length}`);
  let max = 0;
  actual.forEach((row, r) => {
    if (row.length !== expected[r].length) throw new Error(`row ${r} has ${row.length} values, expected ${expected[r].length}`);
    row.forEach((v, c) => {
      const e = expected[r][c];
      const d = Object.is(v, e) ? 0 : Math.abs(v - e);
      max = Math.max(max, Number.isNaN(d) ? Infinity : d);
    });
  });
  return max;
}
