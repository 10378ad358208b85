// Specification of the losses: mse, l1, smooth l1, binary cross entropy (with logits), nll and cross entropy.
// Expected values from PyTorch 1.13 (scripts/golden/nn.py).
#include <cmath>

#include "helpers.h"

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::shape;
using ember::test::values;

namespace {

double item(const Tensor& t) { return t.item<double>(); }

Tensor px() { return make<double>({0.5, -1.0, 2.0, 3.0, 0.25, -0.75}, {2, 3}); }
Tensor py() { return make<double>({1.0, 1.0, 1.5, -1.0, 0.25, 0.5}, {2, 3}); }

Tensor bce_x() { return make<double>({0.1, 0.9, 0.5, 0.0, 1.0, 0.3}, {2, 3}); }
Tensor bce_y() { return make<double>({0.0, 1.0, 1.0, 1.0, 0.0, 0.25}, {2, 3}); }
Tensor bce_w() { return make<double>({1.0, 2.0, 0.5}, {3}); }
Tensor logits_x() { return make<double>({0.5, -2.0, 100.0, -100.0, 3.0, 0.0}, {2, 3}); }
Tensor logits_y() { return make<double>({1.0, 0.0, 0.0, 1.0, 0.5, 1.0}, {2, 3}); }

// log-probabilities (3 samples, 4 classes), targets and class weights.
Tensor log_probs() {
  return make<double>({-1.2, -0.5, -2.0, -3.0, -0.1, -2.5, -4.0, -3.5, -1.0, -1.5, -0.7, -2.2}, {3, 4});
}
Tensor targets() { return make<int64_t>({1, 0, 3}, {3}, kLong); }
Tensor class_w() { return make<double>({1.0, 2.0, 0.5, 3.0}, {4}); }
Tensor logits() { return make<double>({1.0, 2.0, 0.5, -1.0, 0.0, 0.0, 3.0, 1.0, -2.0, 1.5, 0.25, 0.75}, {3, 4}); }
Tensor probs() { return make<double>({0.25, 0.25, 0.5, 0.0, 0.0, 1.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4}, {3, 4}); }

// (2, 3, 2, 2) scores: sin(arange(24)) - 2, and (2, 2, 2) targets with one ignored (-100).
Tensor nd_scores() {
  return make<double>(
      {-2,          -1.15852904, -1.09070253, -1.85888004, -2.75680256, -2.95892429, -2.27941561, -1.34301341,
       -1.01064181, -1.58788157, -2.54402113, -2.99999022, -2.53657293, -1.57983303, -1.00939262, -1.34971213,
       -2.28790331, -2.96139741, -2.75098729, -1.85012281, -1.08705473, -1.16334438, -2.00885129, -2.84622049},
      {2, 3, 2, 2});
}
Tensor nd_targets() { return make<int64_t>({0, 2, 1, 1, 2, 0, -100, 1}, {2, 2, 2}, kLong); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// regression losses

TEST_CASE("mse_loss, l1_loss and smooth_l1_loss with each reduction") {
  CHECK_VALUES(values(mse_loss(px(), py(), Reduction::None)), {0.25, 4, 0.25, 16, 0, 1.5625});
  CHECK_VALUES(values(l1_loss(px(), py(), Reduction::None)), {0.5, 2, 0.5, 4, 0, 1.25});
  CHECK_VALUES(values(smooth_l1_loss(px(), py(), Reduction::None)), {0.125, 1.5, 0.125, 3.5, 0, 0.75});
  CHECK(item(mse_loss(px(), py())) == doctest::Approx(3.67708325));
  CHECK(item(l1_loss(px(), py())) == doctest::Approx(1.375));
  CHECK(item(smooth_l1_loss(px(), py())) == doctest::Approx(1));
  CHECK(item(mse_loss(px(), py(), Reduction::Sum)) == doctest::Approx(22.0625));
  CHECK(item(l1_loss(px(), py(), Reduction::Sum)) == doctest::Approx(8.25));
  CHECK(item(smooth_l1_loss(px(), py(), Reduction::Sum)) == doctest::Approx(6));
  CHECK(shape(mse_loss(px(), py())).empty());
}

TEST_CASE("reductions can be named by PyTorch's strings") {
  CHECK(values(mse_loss(px(), py(), "none")) == values(mse_loss(px(), py(), Reduction::None)));
  CHECK(item(mse_loss(px(), py(), "sum")) == item(mse_loss(px(), py(), Reduction::Sum)));
  CHECK(item(mse_loss(px(), py(), std::string("mean"))) == item(mse_loss(px(), py())));
  CHECK(contains(error_of([] { mse_loss(px(), py(), "avg"); }), "avg is not a valid value for reduction"));
  CHECK(contains(error_of([] { mse_loss(px(), py(), 3); }), "3 is not a valid value for reduction"));
}

TEST_CASE("smooth_l1_loss beta moves the switch from quadratic to linear; beta = 0 is l1") {
  CHECK_VALUES(values(smooth_l1_loss(px(), py(), Reduction::None, 0.5)), {0.25, 1.75, 0.25, 3.75, 0, 1});
  CHECK_VALUES(values(smooth_l1_loss(px(), py(), Reduction::None, 0.0)), {0.5, 2, 0.5, 4, 0, 1.25});
  CHECK(contains(error_of([] { smooth_l1_loss(px(), py(), Reduction::Mean, -1.0); }),
                 "smooth_l1_loss does not support negative values for beta"));
}

TEST_CASE("regression losses broadcast, read non-contiguous inputs and promote dtypes") {
  const Tensor y = mse_loss(make<double>({1.0, 2.0}, {2, 1}), make<double>({0.0, 1.0, 3.0}, {3}), Reduction::None);
  CHECK(shape(y) == std::vector<int64_t>{2, 3});
  CHECK_VALUES(values(y), {1, 0, 4, 4, 1, 1});
  CHECK_VALUES(values(mse_loss(px().t(), py().t(), Reduction::None)), {0.25, 16, 4, 0, 0.25, 1.5625});
  CHECK(mse_loss(px(), py().to(kDouble)).dtype() == kDouble);
  CHECK(item(l1_loss(px().to(kHalf), py().to(kHalf))) == doctest::Approx(1.375).epsilon(1e-3));
}

TEST_CASE("the mean of an empty loss is NaN and its sum is 0") {
  CHECK(std::isnan(item(mse_loss(ones({0}), ones({0})))));
  CHECK(item(mse_loss(ones({0}), ones({0}), Reduction::Sum)) == 0);
  CHECK(shape(l1_loss(ones({0, 2}), ones({0, 2}), Reduction::None)) == std::vector<int64_t>{0, 2});
}

TEST_CASE("regression loss decompositions match their kernels") {
  for (const char* name : {"mse_loss", "l1_loss", "smooth_l1_loss"}) {
    CAPTURE(name);
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE(op != nullptr);
    REQUIRE(bool(op->decomposition));
    for (int64_t reduction : {0, 1, 2}) {
      OpCall call{{px(), py()}, {reduction, 0.5, int64_t(0)}};
      const Tensor expected = dispatch_one(*op, call);
      CHECK_VALUES(values(op->decomposition(*op, call)[0]), values(expected));
    }
  }
}

TEST_CASE("regression loss errors") {
  CHECK(contains(error_of([] {
                   mse_loss(ones({3, 2}), ones({3}));
                 }),
                 "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"));
  CHECK(contains(error_of([] { mse_loss(ones({3}, kLong), ones({3}, kLong)); }),
                 "expected floating point input and target, but got Long and Long"));
}

// ---------------------------------------------------------------------------------------------------
// binary cross entropy

TEST_CASE("binary_cross_entropy clamps the logs at -100") {
  CHECK_VALUES(values(binary_cross_entropy(bce_x(), bce_y(), {}, Reduction::None)),
               {0.105360545, 0.105360545, 0.693147182, 100, 100, 0.568499446});
  CHECK(item(binary_cross_entropy(bce_x(), bce_y())) == doctest::Approx(33.5787277));
  CHECK(item(binary_cross_entropy(bce_x(), bce_y(), {}, Reduction::Sum)) == doctest::Approx(201.472366));
}

TEST_CASE("binary_cross_entropy weights broadcast over the input") {
  CHECK_VALUES(values(binary_cross_entropy(bce_x(), bce_y(), bce_w(), Reduction::None)),
               {0.105360545, 0.21072109, 0.346573591, 100, 200, 0.284249723});
  CHECK(item(binary_cross_entropy(bce_x(), bce_y(), bce_w())) == doctest::Approx(50.1578178));
  CHECK(item(binary_cross_entropy(bce_x().to(kDouble), bce_y().to(kDouble), bce_w().to(kDouble))) ==
        doctest::Approx(50.1578178));
}

TEST_CASE("binary_cross_entropy errors") {
  CHECK(contains(error_of([] { binary_cross_entropy(make<double>({1.5}, {1}), ones({1})); }),
                 "all elements of input should be between 0 and 1, but found 1.5"));
  CHECK(contains(error_of([] { binary_cross_entropy(make<double>({NAN}, {1}), ones({1})); }),
                 "all elements of input should be between 0 and 1"));
  CHECK(contains(error_of([] { binary_cross_entropy(full({2}, 0.5), ones({1})); }),
                 "Using a target size ([1]) that is different to the input size ([2])"));
  CHECK(contains(error_of([] { binary_cross_entropy(full({3}, 0.5), ones({3}, kDouble)); }),
                 "Found dtype Double but expected Float"));
  CHECK(contains(error_of([] {
                   binary_cross_entropy(full({3}, 0.5), ones({3}), ones({2, 3}));
                 }),
                 "output with shape [3] doesn't match the broadcast shape [2, 3]"));
}

TEST_CASE("binary_cross_entropy_with_logits is stable for large logits") {
  CHECK_VALUES(values(binary_cross_entropy_with_logits(logits_x(), logits_y(), {}, {}, Reduction::None)),
               {0.474076986, 0.126928046, 100, 100, 1.54858732, 0.693147182});
  CHECK(item(binary_cross_entropy_with_logits(logits_x(), logits_y())) == doctest::Approx(33.8071251));
  CHECK(item(binary_cross_entropy_with_logits(logits_x(), logits_y(), {}, {}, Reduction::Sum)) ==
        doctest::Approx(202.842743));
}

TEST_CASE("binary_cross_entropy_with_logits pos_weight scales the positive term") {
  const Tensor pw = make<double>({2.0, 0.5, 1.0}, {3});
  CHECK_VALUES(values(binary_cross_entropy_with_logits(logits_x(), logits_y(), {}, pw, Reduction::None)),
               {0.948153973, 0.126928091, 100, 200, 1.53644049, 0.693147182});
  CHECK(item(binary_cross_entropy_with_logits(logits_x(), logits_y(), bce_w(), pw)) == doctest::Approx(42.4369087));
  CHECK(binary_cross_entropy_with_logits(logits_x(), logits_y().to(kDouble)).dtype() == kDouble);
}

TEST_CASE("binary_cross_entropy_with_logits errors") {
  CHECK(contains(error_of([] { binary_cross_entropy_with_logits(ones({3}), ones({2})); }),
                 "Target size ([2]) must be the same as input size ([3])"));
  CHECK(contains(error_of([] {
                   binary_cross_entropy_with_logits(ones({3}), ones({3}), {}, ones({2, 3}));
                 }),
                 "output with shape [3] doesn't match the broadcast shape [2, 3]"));
  CHECK(contains(error_of([] { binary_cross_entropy_with_logits(ones({3}), ones({3}, kLong)); }),
                 "expected a floating point target, but got Long"));
}

// ---------------------------------------------------------------------------------------------------
// nll_loss

TEST_CASE("nll_loss with weights and ignore_index, for each reduction") {
  CHECK_VALUES(values(nll_loss(log_probs(), targets(), {}, Reduction::None)), {0.5, 0.100000001, 2.20000005});
  CHECK_VALUES(values(nll_loss(log_probs(), targets(), class_w(), Reduction::None)), {1, 0.100000001, 6.60000038});
  CHECK_VALUES(values(nll_loss(log_probs(), targets(), class_w(), Reduction::None, 0)), {1, 0, 6.60000038});
  CHECK(item(nll_loss(log_probs(), targets())) == doctest::Approx(0.933333337));
  CHECK(item(nll_loss(log_probs(), targets(), class_w())) == doctest::Approx(1.28333342));
  CHECK(item(nll_loss(log_probs(), targets(), class_w(), Reduction::Mean, 0)) == doctest::Approx(1.5200001));
  CHECK(item(nll_loss(log_probs(), targets(), {}, Reduction::Sum)) == doctest::Approx(2.79999995));
  CHECK(item(nll_loss(log_probs(), targets(), class_w(), Reduction::Sum)) == doctest::Approx(7.70000029));
  CHECK(item(nll_loss(log_probs(), targets(), class_w(), Reduction::Sum, 0)) == doctest::Approx(7.60000038));
}

TEST_CASE("nll_loss on an unbatched input, uint8 targets and a non-contiguous input") {
  const Tensor y = nll_loss(log_probs()[0], scalar_tensor(2, kLong));
  CHECK(shape(y).empty());
  CHECK(item(y) == doctest::Approx(2));
  CHECK(item(nll_loss(log_probs(), targets().to(kByte))) == doctest::Approx(0.933333337));
  const Tensor strided = log_probs().t().contiguous().t();
  CHECK(item(nll_loss(strided, targets(), class_w())) == doctest::Approx(1.28333342));
}

TEST_CASE("nll_loss over all-ignored targets: NaN mean, zero sum") {
  const Tensor ignored = make<int64_t>({-100, -100, -100}, {3}, kLong);
  CHECK(std::isnan(item(nll_loss(log_probs(), ignored))));
  CHECK(item(nll_loss(log_probs(), ignored, {}, Reduction::Sum)) == 0);
}

TEST_CASE("nll_loss on (N, C, d1, d2) input with (N, d1, d2) targets") {
  const Tensor y = nll_loss(nd_scores(), nd_targets(), {}, Reduction::None);
  CHECK(shape(y) == std::vector<int64_t>{2, 2, 2});
  CHECK_VALUES(values(y), {2, 1.58788157, 2.27941561, 1.34301341, 1.08705473, 1.57983303, 0, 1.85012281});
  CHECK(item(nll_loss(nd_scores(), nd_targets(), make<double>({1.0, 0.5, 2.0}, {3}))) == doctest::Approx(1.55546415));
}

TEST_CASE("nll_loss errors") {
  CHECK(contains(error_of([] {
                   nll_loss(log_probs(), make<int64_t>({0, 4, 1}, {3}, kLong));
                 }),
                 "Target 4 is out of bounds"));
  CHECK(contains(error_of([] {
                   nll_loss(log_probs(), make<int64_t>({0, -1, 1}, {3}, kLong));
                 }),
                 "Target -1 is out of bounds"));
  CHECK(
      contains(error_of([] { nll_loss(log_probs(), targets().to(kInt)); }), "expected scalar type Long but found Int"));
  CHECK(contains(error_of([] {
                   nll_loss(log_probs(), make<int64_t>({0, 1}, {2}, kLong));
                 }),
                 "Expected input batch_size (3) to match target batch_size (2)."));
  CHECK(contains(error_of([] { nll_loss(log_probs(), targets(), ones({2})); }),
                 "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of "
                 "shape: [2]"));
  CHECK(contains(error_of([] { nll_loss(scalar_tensor(1.0), scalar_tensor(0, kLong)); }),
                 "Expected 1 or more dimensions (got 0)"));
  CHECK(contains(error_of([] {
                   nll_loss(ones({2, 3, 4}), zeros({2, 5}, kLong));
                 }),
                 "Expected target size [2, 4], got [2, 5]"));
  CHECK(contains(error_of([] { nll_loss(ones({2, 3}), zeros({2, 1}, kLong)); }), "multi-target not supported"));
  CHECK(contains(error_of([] { nll_loss(ones({3}), zeros({1}, kLong)); }),
                 "size mismatch (got input: [3], target: [1])"));
  CHECK(contains(error_of([] { nll_loss(log_probs(), targets(), class_w().to(kDouble)); }),
                 "expected scalar type Float but found Double"));
}

// ---------------------------------------------------------------------------------------------------
// cross_entropy

TEST_CASE("cross_entropy with class indices, weights and ignore_index") {
  CHECK_VALUES(values(cross_entropy(logits(), targets(), {}, Reduction::None)), {0.495181888, 3.21099758, 1.3316952});
  CHECK_VALUES(values(cross_entropy(logits(), targets(), class_w(), Reduction::None, 3)), {0.990363777, 3.21099758, 0});
  CHECK(item(cross_entropy(logits(), targets())) == doctest::Approx(1.67929161));
  CHECK(item(cross_entropy(logits(), targets(), class_w(), Reduction::Mean, 3)) == doctest::Approx(1.40045369));
  CHECK(item(cross_entropy(logits(), targets(), {}, Reduction::Sum)) == doctest::Approx(5.0378747));
  CHECK(item(cross_entropy(logits(), targets(), class_w(), Reduction::Sum, 3)) == doctest::Approx(4.20136118));
}

TEST_CASE("cross_entropy with label smoothing over class indices") {
  CHECK_VALUES(values(cross_entropy(logits(), targets(), {}, Reduction::None, -100, 0.1)),
               {0.632681847, 3.11099768, 1.3941952});
  CHECK(item(cross_entropy(logits(), targets(), {}, Reduction::Mean, -100, 0.1)) == doctest::Approx(1.71262491));
  CHECK(item(cross_entropy(logits(), targets(), {}, Reduction::Sum, -100, 0.1)) == doctest::Approx(5.1378746));
  CHECK_VALUES(values(cross_entropy(logits(), targets(), class_w(), Reduction::None, 0, 0.2)),
               {1.49072504, 0, 3.70386958});
  CHECK(item(cross_entropy(logits(), targets(), class_w(), Reduction::Mean, 0, 0.2)) == doctest::Approx(1.03891897));
  CHECK(item(cross_entropy(logits(), targets(), class_w(), Reduction::Sum, 0, 0.2)) == doctest::Approx(5.19459438));
}

TEST_CASE("cross_entropy on N-D and unbatched inputs, and with huge logits") {
  const Tensor y = cross_entropy(nd_scores(), nd_targets(), {}, Reduction::None);
  CHECK_VALUES(values(y), {1.42519581, 1.02607918, 1.61945999, 0.580928564, 0.428935587, 1.01805711, 0, 1.1048317});
  CHECK(item(cross_entropy(nd_scores(), nd_targets())) == doctest::Approx(1.02906966));
  CHECK(item(cross_entropy(logits()[1], scalar_tensor(2, kLong))) == doctest::Approx(0.210997626));
  CHECK_VALUES(values(cross_entropy(make<double>({1000.0, 0.0, -1000.0}, {1, 3}), make<int64_t>({1}, {1}, kLong), {},
                                    Reduction::None)),
               {1000});
}

TEST_CASE("cross_entropy with class probabilities") {
  CHECK_VALUES(values(cross_entropy(logits(), probs(), {}, Reduction::None)), {1.49518192, 3.21099758, 1.60669518});
  CHECK(item(cross_entropy(logits(), probs())) == doctest::Approx(2.10429168));
  CHECK(item(cross_entropy(logits(), probs(), {}, Reduction::Sum)) == doctest::Approx(6.31287479));
  CHECK_VALUES(values(cross_entropy(logits(), probs(), class_w(), Reduction::None, -100, 0.3)),
               {1.83177853, 5.72325802, 2.52124691});
  CHECK(item(cross_entropy(logits(), probs(), class_w(), Reduction::Mean, -100, 0.3)) == doctest::Approx(3.35876107));
  const Tensor d = cross_entropy(logits(), probs().to(kDouble), {}, Reduction::Sum);
  CHECK(d.dtype() == kDouble);
  CHECK(item(d) == doctest::Approx(6.3128747168562231).epsilon(1e-7));
}

TEST_CASE("cross_entropy over an empty batch has a NaN mean") {
  CHECK(std::isnan(item(cross_entropy(ones({0, 3}), zeros({0}, kLong)))));
  CHECK(std::isnan(item(cross_entropy(ones({0, 3}), ones({0, 3})))));
}

TEST_CASE("class losses on bfloat16 scores, empty batches and a batch of one") {
  const Tensor y = cross_entropy(logits().to(kBFloat16), targets(), {}, Reduction::None);
  CHECK(y.dtype() == kBFloat16);
  const std::vector<double> expected = {0.494140625, 3.21875, 1.328125};
  for (size_t i = 0; i < expected.size(); ++i) CHECK(values(y)[i] == doctest::Approx(expected[i]).epsilon(1e-2));
  CHECK(shape(nll_loss(ones({0, 3}), zeros({0}, kLong), {}, Reduction::None)) == std::vector<int64_t>{0});
  CHECK(item(nll_loss(ones({0, 3}), zeros({0}, kLong), {}, Reduction::Sum)) == 0);
  CHECK(std::isnan(item(binary_cross_entropy(ones({0}), ones({0})))));
  CHECK_VALUES(
      values(cross_entropy(logits().slice(0, 0, 1), make<double>({0.5, 0.5, 0, 0}, {1, 4}), {}, Reduction::None)),
      {0.995181918});
}

TEST_CASE("loss reductions do not depend on the thread count") {
  manual_seed(1);
  const Tensor x = randn({300, 700}), y = randn({300, 700});
  const Tensor t = randint(0, 700, {300});
  const int threads = get_num_threads();
  set_num_threads(1);
  const double mse1 = item(mse_loss(x, y, Reduction::Sum)), ce1 = item(cross_entropy(x, t));
  set_num_threads(2);
  const double mse2 = item(mse_loss(x, y, Reduction::Sum)), ce2 = item(cross_entropy(x, t));
  set_num_threads(threads);
  CHECK(mse1 == mse2);
  CHECK(ce1 == ce2);
}

TEST_CASE("loss errors start with the op's name in brackets") {
  CHECK(error_of([] { mse_loss(ones({3, 2}), ones({3})); }).rfind("[mse_loss]", 0) == 0);
  CHECK(error_of([] { nll_loss(log_probs(), targets().to(kInt)); }).rfind("[nll_loss]", 0) == 0);
  CHECK(error_of([] {
          cross_entropy(logits(), make<int64_t>({0, 9, 1}, {3}, kLong));
        }).rfind("[cross_entropy_loss]", 0) == 0);
  CHECK(error_of([] {
          binary_cross_entropy(make<double>({1.5}, {1}), ones({1}));
        }).rfind("[binary_cross_entropy]", 0) == 0);
}

TEST_CASE("cross_entropy errors") {
  CHECK(contains(error_of([] { cross_entropy(logits(), targets(), {}, Reduction::Mean, -100, 1.5); }),
                 "label_smoothing must be between 0.0 and 1.0. Got: 1.5"));
  CHECK(contains(error_of([] { cross_entropy(logits(), probs(), {}, Reduction::Mean, 1); }),
                 "ignore_index is not supported for floating point target"));
  CHECK(contains(error_of([] {
                   cross_entropy(logits(), ones({3, 4}, kLong));
                 }),
                 "Expected floating point type for target with class probabilities, got Long"));
  CHECK(contains(error_of([] { cross_entropy(logits(), probs(), ones({2})); }),
                 "cross_entropy: weight tensor should be defined either for all 4 classes"));
  CHECK(contains(error_of([] {
                   cross_entropy(logits(), make<int64_t>({0, 9, 1}, {3}, kLong));
                 }),
                 "Target 9 is out of bounds"));
}
