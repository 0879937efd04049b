// Decision trees, random forests and extra trees pickled by scikit-learn 1.2.1, 1.4.2 and 1.9.0 (whose leaves hold
// class fractions from 1.4 on), with rows on every split threshold: labels, probabilities and values bit-identical.
// Written by test/fixtures/sklearn-trees/make_fixtures.py.
import { parityFixtures } from './helpers/parity.js';

parityFixtures('sklearn-trees', { tolerance: () => 0, minimumCases: 7 });
