// libsvm's probability estimates (svm_predict_probability), in TypeScript after the graph: Platt's sigmoid per
// pair of classes, then the pairwise coupling of Wu, Lin and Weng (libsvm's multiclass_probability, which
// scikit-learn's bundled libsvm runs for two classes too). The coupling iterates until a row converges; a graph
// cannot stop early, and running libsvm's 100 iterations for every row took thousands of nodes (seconds to load,
// 10–55 ms a row). Plain doubles here perform libsvm's operations in libsvm's order.
import type { ProbabilityStage } from './converter.js';

const MIN_PROB = 1e-7;

/** sigmoid_predict: the probability that the pair's first class wins, from its decision value. */
function sigmoid(decision: number, a: number, b: number): number {
  const fApB = decision * a + b;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}

/** multiclass_probability: p from the pairwise probabilities r (k × k, r[i][j] = P(i beats j)), into `p`. */
function couple(k: number, r: Float64Array, p: Float64Array, q: Float64Array, qp: Float64Array): void {
  const maxIter = Math.max(100, k);
  const eps = 0.005 / k;
  for (let t = 0; t < k; t++) {
    p[t] = 1 / k;
    q[t * k + t] = 0;
    for (let j = 0; j < t; j++) {
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = q[j * k + t];
    }
    for (let j = t + 1; j < k; j++) {
      q[t * k + t] += r[j * k + t] * r[j * k + t];
      q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  for (let iter = 0; iter < maxIter; iter++) {
    // The stopping condition, with Qp and pQp recomputed from p for accuracy.
    let pqp = 0;
    for (let t = 0; t < k; t++) {
      qp[t] = 0;
      for (let j = 0; j < k; j++) qp[t] += q[t * k + j] * p[j];
      pqp += p[t] * qp[t];
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(qp[t] - pqp));
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-qp[t] + pqp) / q[t * k + t];
      p[t] += diff;
      pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
}

/** The stage that turns each row's pairwise decision values (pairs in libsvm's order) into class probabilities. */
export function couplingStage(input: string, probA: Float64Array, probB: Float64Array, k: number): ProbabilityStage {
  const pairs = probA.length;
  return {
    input,
    width: pairs,
    classes: k,
    compute(decisions, rows) {
      const out = new Float64Array(rows * k);
      const r = new Float64Array(k * k);
      const q = new Float64Array(k * k);
      const qp = new Float64Array(k);
      const p = new Float64Array(k);
      for (let row = 0; row < rows; row++) {
        let at = 0;
        for (let i = 0; i < k; i++) {
          for (let j = i + 1; j < k; j++, at++) {
            const v = Math.min(Math.max(sigmoid(decisions[row * pairs + at], probA[at], probB[at]), MIN_PROB), 1 - MIN_PROB);
            r[i * k + j] = v;
            r[j * k + i] = 1 - v;
          }
        }
        couple(k, r, p, q, qp);
        out.set(p, row * k);
      }
      return out;
    },
  };
}
