// The legacy binary format (XGBoost < 1.0 wrote it everywhere; 1.7's save_raw() still does): little-endian
// C structs. Base scores of files written before 1.0 are already in margin space.
import { ConversionError } from '../sklearn/attrs.js';
import { linearModelFromBinary } from './gblinear.js';
import { baseMarginOf, type XgbModel, type XgbTree } from './model.js';

const LEARNER_PARAM_BYTES = 136;
const GBTREE_PARAM_BYTES = 160;
const TREE_PARAM_BYTES = 148;
const NODE_BYTES = 20;
const NODE_STAT_BYTES = 16;

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.length) throw new Error('XGBoost binary model is truncated');
    const at = this.pos;
    this.pos += n;
    return at;
  }
  i32(at: number): number { return this.view.getInt32(at, true); }
  u32(at: number): number { return this.view.getUint32(at, true); }
  f32(at: number): number { return this.view.getFloat32(at, true); }
  string(): string {
    const at = this.need(8);
    const n = Number(this.view.getBigUint64(at, true));
    if (n > 1 << 20) throw new Error('XGBoost binary model: implausible string length');
    return Buffer.from(this.bytes.subarray(this.need(n), this.pos)).toString('utf8');
  }
  get remaining(): number { return this.bytes.length - this.pos; }
}

export function isLegacyBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'binf';
}

export function parseBinaryModel(bytes: Uint8Array): XgbModel {
  const r = new Reader(bytes);
  if (isLegacyBinary(bytes)) r.need(4);
  const p = r.need(LEARNER_PARAM_BYTES);
  const baseScore = r.f32(p);
  const numFeature = r.u32(p + 4);
  const numClass = Math.max(1, r.i32(p + 8));
  const containExtraAttrs = r.i32(p + 12);
  const majorVersion = r.u32(p + 20);
  const objective = r.string();
  const boosterName = r.string();
  if (boosterName === 'gblinear') {
    const baseMargin = majorVersion >= 1 ? baseMarginOf(objective, baseScore) : Math.fround(baseScore);
    return linearModelFromBinary(bytes.subarray(r.pos), { objective, baseMargin, numClass, numFeature });
  }
  if (boosterName !== 'gbtree') {
    throw new ConversionError(`XGBoost booster '${boosterName}' is not supported in the legacy binary format; load it in XGBoost and save it as JSON (save_model('model.json'))`);
  }
  const g = r.need(GBTREE_PARAM_BYTES);
  const numTrees = r.i32(g);
  if (numTrees < 0 || numTrees > 1_000_000) throw new Error('XGBoost binary model: implausible number of trees');
  const trees: XgbTree[] = [];
  for (let t = 0; t < numTrees; t++) {
    const h = r.need(TREE_PARAM_BYTES);
    const numNodes = r.i32(h + 4);
    if (numNodes <= 0 || numNodes * NODE_BYTES > r.remaining) throw new Error('XGBoost binary model: invalid node count');
    const left = new Int32Array(numNodes);
    const right = new Int32Array(numNodes);
    const splitIndex = new Uint32Array(numNodes);
    const splitCondition = new Float32Array(numNodes);
    const defaultLeft = new Uint8Array(numNodes);
    for (let i = 0; i < numNodes; i++) {
      const n = r.need(NODE_BYTES);
      left[i] = r.i32(n + 4);
      right[i] = r.i32(n + 8);
      const sindex = r.u32(n + 12);
      splitIndex[i] = sindex & 0x7fffffff;
      defaultLeft[i] = sindex >>> 31;
      splitCondition[i] = r.f32(n + 16);
    }
    // Node stats {loss_chg, sum_hess, base_weight, leaf_child_cnt}: the sum of hessians is the node's cover.
    const stats = r.need(numNodes * NODE_STAT_BYTES);
    const cover = Float32Array.from({ length: numNodes }, (_, i) => r.f32(stats + i * NODE_STAT_BYTES + 4));
    trees.push({ left, right, splitIndex, splitCondition, defaultLeft, cover });
  }
  const info = r.need(numTrees * 4);
  const treeInfo = Array.from({ length: numTrees }, (_, i) => r.i32(info + i * 4));
  let bestIteration: number | undefined;
  let savedByWrapper = false;
  if (containExtraAttrs !== 0 && r.remaining >= 8) {
    const countAt = r.need(8);
    const count = Number(new DataView(bytes.buffer, bytes.byteOffset + countAt, 8).getBigUint64(0, true));
    for (let i = 0; i < count && i < 10_000; i++) {
      const key = r.string();
      const value = r.string();
      if (key === 'best_iteration' && /^\d+$/.test(value)) bestIteration = Number(value);
      if (key === 'scikit_learn') savedByWrapper = true;
    }
  }
  const margin = majorVersion >= 1 ? baseMarginOf(objective, baseScore) : Math.fround(baseScore);
  return {
    objective,
    baseMargin: new Array(numClass).fill(margin),
    numClass,
    numTarget: 1,
    numFeature,
    numParallelTree: 1,
    trees,
    treeInfo,
    leafSize: 1,
    ...(bestIteration !== undefined ? { bestIteration } : {}),
    ...(savedByWrapper ? { savedByWrapper } : {}),
  };
}
