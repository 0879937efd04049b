// CountVectorizer, TfidfVectorizer and TfidfTransformer, run in TypeScript in front of the graph. ONNX's
// StringNormalizer needs a locale and its tokenizer's \w is ASCII-only, so it cannot match scikit-learn;
// this does, down to the order in which scipy sums each row's norm.
import stopWordsFile from './english-stop-words.json' with { type: 'json' };
import { NdArray } from '../pickle/numpy.js';
import { PyObject, PySet } from '../pickle/values.js';
import { attr, ConversionError, objectAttr, shortName, sklearnVersion } from './attrs.js';

const ENGLISH_STOP_WORDS = new Set(stopWordsFile.words);

/** One sparse row as scipy stores it: columns in stored order with their values. */
interface SparseRow {
  cols: number[];
  vals: number[];
}

export interface TextStage {
  /** What the model's input is: raw documents, or rows of counts (a TfidfTransformer that comes first). */
  input: 'text' | 'numbers';
  /** Columns in: the count matrix width for 'numbers'. */
  inputWidth: number;
  /** Columns out. */
  width: number;
  rows(input: string[] | Float64Array, n: number): SparseRow[];
}

/** Python's token patterns that have an exact JavaScript equivalent (\b\w…\b ≡ maximal runs of \w). */
const TOKEN_PATTERNS: Record<string, RegExp> = {
  '(?u)\\b\\w\\w+\\b': /[\p{L}\p{N}_]{2,}/gu,
  '\\b\\w\\w+\\b': /[\p{L}\p{N}_]{2,}/gu,
  '(?u)\\b\\w+\\b': /[\p{L}\p{N}_]+/gu,
  '\\b\\w+\\b': /[\p{L}\p{N}_]+/gu,
};

function stripAccents(kind: unknown): ((s: string) => string) | null {
  if (kind === null || kind === undefined) return null;
  if (kind === 'unicode') return (s) => (/^[\x00-\x7f]*$/.test(s) ? s : s.normalize('NFKD').replace(/\p{Mn}/gu, ''));
  if (kind === 'ascii') return (s) => s.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
  throw new ConversionError(`strip_accents=${String(kind)} is not supported`);
}

function stopWordsOf(vec: PyObject): Set<string> | null {
  const sw = attr(vec, 'stop_words');
  if (sw === null || sw === undefined) return null;
  if (sw === 'english') return ENGLISH_STOP_WORDS;
  if (Array.isArray(sw)) return new Set(sw.map(String));
  if (sw instanceof PySet) return new Set(sw.items.map(String));
  throw new ConversionError(`${shortName(vec)}: stop_words=${String(sw)} is not supported`);
}

function ngramRange(vec: PyObject): [number, number] {
  const r = attr(vec, 'ngram_range');
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => Number.isInteger(v) && v >= 1) || r[0] > r[1]) {
    throw new ConversionError(`${shortName(vec)}: invalid ngram_range`);
  }
  return [r[0] as number, r[1] as number];
}

/** build_analyzer(): preprocess (lowercase, then strip accents), tokenize, drop stop words, form n-grams. */
function analyzerOf(vec: PyObject): (doc: string) => string[] {
  const lowercase = attr(vec, 'lowercase') !== false;
  const accents = stripAccents(attr(vec, 'strip_accents'));
  const preprocess = (doc: string) => {
    let d = lowercase ? doc.toLowerCase() : doc;
    if (accents) d = accents(d);
    return d;
  };
  const [minN, maxN] = ngramRange(vec);
  const analyzer = attr(vec, 'analyzer') ?? 'word';
  if (attr(vec, 'input') !== undefined && attr(vec, 'input') !== 'content') {
    throw new ConversionError(`${shortName(vec)}: input=${String(attr(vec, 'input'))} is not supported (only 'content')`);
  }
  if (analyzer === 'word') {
    const pattern = attr(vec, 'token_pattern');
    const regex = typeof pattern === 'string' ? TOKEN_PATTERNS[pattern] : undefined;
    if (!regex) throw new ConversionError(`${shortName(vec)}: token_pattern ${JSON.stringify(pattern)} is not supported; the default (?u)\\b\\w\\w+\\b is`);
    const stop = stopWordsOf(vec);
    return (doc) => {
      let tokens: string[] = preprocess(doc).match(regex) ?? [];
      if (stop) tokens = tokens.filter((t) => !stop.has(t));
      if (maxN === 1) return tokens;
      const out = minN === 1 ? [...tokens] : [];
      for (let n = Math.max(minN, 2); n <= Math.min(maxN, tokens.length); n++) {
        for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
      }
      return out;
    };
  }
  if (analyzer === 'char') {
    return (doc) => {
      const text = [...preprocess(doc).replace(/\s\s+/g, ' ')];
      const out: string[] = [];
      for (let n = minN; n <= Math.min(maxN, text.length); n++) {
        for (let i = 0; i + n <= text.length; i++) out.push(text.slice(i, i + n).join(''));
      }
      return out;
    };
  }
  if (analyzer === 'char_wb') {
    return (doc) => {
      const out: string[] = [];
      for (const word of preprocess(doc).replace(/\s\s+/g, ' ').split(/\s+/).filter(Boolean)) {
        const w = [...` ${word} `];
        for (let n = minN; n <= maxN; n++) {
          let offset = 0;
          out.push(w.slice(offset, offset + n).join(''));
          while (offset + n < w.length) {
            offset += 1;
            out.push(w.slice(offset, offset + n).join(''));
          }
          if (offset === 0) break; // the word is shorter than n: one n-gram is enough
        }
      }
      return out;
    };
  }
  throw new ConversionError(`${shortName(vec)}: analyzer=${String(analyzer)} is not supported`);
}

function vocabularyOf(vec: PyObject): Map<string, number> {
  const v = attr(vec, 'vocabulary_');
  if (!(v instanceof Map)) throw new ConversionError(`${shortName(vec)}: vocabulary_ is missing (is it fitted?)`);
  const out = new Map<string, number>();
  for (const [term, index] of v) {
    if (typeof term !== 'string' || typeof index !== 'number') throw new ConversionError(`${shortName(vec)}: invalid vocabulary entry`);
    out.set(term, index);
  }
  return out;
}

/** CountVectorizer's _count_vocab(): counts per document, columns sorted (sort_indices), 1s if binary. */
function countStage(vec: PyObject): TextStage {
  const analyze = analyzerOf(vec);
  const vocabulary = vocabularyOf(vec);
  const binary = attr(vec, 'binary') === true;
  const width = vocabulary.size === 0 ? 0 : Math.max(...vocabulary.values()) + 1;
  return {
    input: 'text',
    inputWidth: 1,
    width,
    rows(input) {
      return (input as string[]).map((doc) => {
        const counts = new Map<number, number>();
        for (const term of analyze(doc)) {
          const col = vocabulary.get(term);
          if (col !== undefined) counts.set(col, (counts.get(col) ?? 0) + 1);
        }
        const cols = [...counts.keys()].sort((a, b) => a - b);
        return { cols, vals: cols.map((c) => (binary ? 1 : (counts.get(c) as number))) };
      });
    },
  };
}

function idfOf(tfidf: PyObject): Float64Array | null {
  if (attr(tfidf, 'use_idf') === false) return null;
  const direct = attr(tfidf, 'idf_');
  if (direct instanceof NdArray) return direct.numbers();
  const diag = attr(tfidf, '_idf_diag');
  if (!(diag instanceof PyObject)) throw new ConversionError(`${shortName(tfidf)}: idf_ is missing (is it fitted?)`);
  const data = diag.get('data');
  const indptr = diag.get('indptr');
  const offsets = diag.get('offsets');
  if (data instanceof NdArray && indptr instanceof NdArray) {
    // A CSR diagonal: row i holds idf[i].
    const d = data.numbers();
    const p = indptr.numbers();
    return Float64Array.from({ length: p.length - 1 }, (_, i) => (p[i + 1] > p[i] ? d[p[i]] : 0));
  }
  if (data instanceof NdArray && offsets instanceof NdArray) return data.numbers().subarray(0, data.shape[data.shape.length - 1]);
  throw new ConversionError(`${shortName(tfidf)}: unsupported idf matrix`);
}

/** TfidfTransformer.transform(): sublinear tf, idf, then the row norm summed in scipy's stored order. */
function tfidfStage(tfidf: PyObject, counts: TextStage | null): TextStage {
  const idf = idfOf(tfidf);
  const sublinear = attr(tfidf, 'sublinear_tf') === true;
  const norm = attr(tfidf, 'norm') ?? null;
  if (norm !== null && norm !== 'l1' && norm !== 'l2') throw new ConversionError(`${shortName(tfidf)}: norm=${String(norm)} is not supported`);
  // Before 1.5, X * idf_diag goes through scipy's sparse product, which leaves each row's columns reversed.
  const [major, minor] = sklearnVersion(tfidf);
  const reversed = major < 1 || (major === 1 && minor < 5);
  const width = counts ? counts.width : idf ? idf.length : 0;
  if (idf && idf.length !== width) throw new ConversionError(`${shortName(tfidf)}: idf has ${idf.length} terms, the counts ${width}`);
  return {
    input: counts ? counts.input : 'numbers',
    inputWidth: counts ? counts.inputWidth : width,
    width,
    rows(input, n) {
      const rows = counts ? counts.rows(input, n) : denseToRows(input as Float64Array, n, width);
      return rows.map(({ cols, vals }) => {
        let c = cols;
        let v = vals.map((x) => (sublinear ? Math.log(x) + 1 : x));
        if (idf) {
          v = v.map((x, j) => x * idf[c[j]]);
          if (reversed) { c = [...c].reverse(); v = v.reverse(); }
        }
        if (norm) {
          let sum = 0;
          for (const x of v) sum += norm === 'l2' ? x * x : Math.abs(x);
          if (norm === 'l2') sum = Math.sqrt(sum);
          if (sum !== 0) v = v.map((x) => x / sum);
        }
        return { cols: c, vals: v };
      });
    },
  };
}

function denseToRows(data: Float64Array, n: number, width: number): SparseRow[] {
  return Array.from({ length: n }, (_, r) => {
    const cols: number[] = [];
    const vals: number[] = [];
    for (let c = 0; c < width; c++) {
      const x = data[r * width + c];
      if (x !== 0) { cols.push(c); vals.push(x); }
    }
    return { cols, vals };
  });
}

/** Densifies sparse rows into a [n, width] float64 matrix for the graph. */
export function densify(rows: SparseRow[], width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((row, r) => row.cols.forEach((c, j) => { out[r * width + c] = row.vals[j]; }));
  return out;
}

/** If `step` is a text step, the stage it adds after `previous`; null when it is not a text step. */
export function textStepFor(step: PyObject, previous: TextStage | null): TextStage | null {
  switch (shortName(step)) {
    case 'CountVectorizer':
      if (previous) throw new ConversionError('CountVectorizer must be the first step');
      return countStage(step);
    case 'TfidfVectorizer':
      if (previous) throw new ConversionError('TfidfVectorizer must be the first step');
      return tfidfStage(objectAttr(step, '_tfidf'), countStage(step));
    case 'TfidfTransformer':
      if (previous && previous.input === 'numbers') throw new ConversionError('TfidfTransformer cannot follow another TfidfTransformer');
      return tfidfStage(step, previous);
    default:
      return null;
  }
}

export const TEXT_ESTIMATORS = ['CountVectorizer', 'TfidfVectorizer', 'TfidfTransformer'];
