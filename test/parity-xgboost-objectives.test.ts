// Parity with XGBoost 1.7.4, 3.0.0 and 3.3.0 for the objectives beyond the common ones, gblinear boosters and the
// remaining scikit-learn wrappers (test/fixtures/xgboost-objectives/make_fixtures.py). Bit-identical.
import { parityFixtures } from './helpers/parity.js';

parityFixtures('xgboost-objectives', { tolerance: () => 0, minimumCases: 20 });
