// Parity with scikit-learn 1.2.1, 1.4.2 and 1.9.0 for the linear family (SGD, Ridge/Perceptron/PassiveAggressive
// classifiers, CV variants, GLMs), MLPs, ComplementNB/CategoricalNB, voting, stacking, calibrated classifiers and
// IsotonicRegression (test/fixtures/sklearn-models/make_fixtures.py). Labels are exact. Measured maxima: probabilities
// 1.1e-15 (ComplementNB's logsumexp); MLP outputs 1.1e-14 on Poisson values of ~11 (exp turns a 1-ulp difference of
// its argument, from BLAS's summation order or tanh/exp in another libm, into a few ulp); regression values 7.1e-15 on
// values of ~17 (2 ulp). 1e-12 leaves room for larger data.
import { parityFixtures } from './helpers/parity.js';

parityFixtures('sklearn-models', { tolerance: () => 1e-12, minimumCases: 60 });
