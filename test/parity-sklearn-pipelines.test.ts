// Parity for typical pipelines on mixed-type DataFrames: ColumnTransformer, FeatureUnion, encoders and imputers
// in front of a tree, forest, boosting or linear model, written by scikit-learn 1.2.1, 1.4.2 and 1.9.0.
import { parityFixtures } from './helpers/parity.js';

// Encoders, imputers and scalers are exact, so trees and forests after them are bit-identical. Linear models and
// boosting stay within 1e-12 (measured: 2.8e-14 on regression values near 100, 5.6e-16 on probabilities, where
// exp/softmax and BLAS summation order differ in the last bit).
parityFixtures('sklearn-pipelines', { tolerance: (name) => (/forest|tree/.test(name) ? 0 : 1e-12), minimumCases: 12 });
