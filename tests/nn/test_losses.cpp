// Loss modules with each reduction, class weights, ignore_index, label smoothing and pos_weight, against
// PyTorch 1.13 (scripts/golden/nn_layers.py).
#include <doctest/doctest.h>

#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {
double scalar(const Tensor& t) { return t.item<double>(); }
// Functions, not globals: tensors must not be built before the library's own statics.
Tensor input_values() { return test::pattern({3, 4}); }
Tensor target_values() { return test::pattern({3, 4}, 3); }
Tensor classes() { return test::make<int64_t>({1, 3, 0}, {3}, kLong); }
Tensor class_weights() { return test::make<double>({0.5, 1.0, 2.0, 1.5}, {4}); }
Tensor binary_target() { return gt(test::pattern({3, 4}, 5), 0).to(kFloat); }
}  // namespace

TEST_CASE("MSELoss, L1Loss and SmoothL1Loss with mean, sum and none") {
  CHECK(scalar(nn::MSELoss()(input_values(), target_values())) == doctest::Approx(1.421875));
  CHECK(scalar(nn::L1Loss()(input_values(), target_values())) == doctest::Approx(1.0625));
  CHECK(scalar(nn::SmoothL1Loss(nn::SmoothL1LossOptions().beta(0.5))(input_values(), target_values())) == doctest::Approx(0.8125));
  CHECK(scalar(nn::MSELoss(nn::MSELossOptions(Reduction::Sum))(input_values(), target_values())) == doctest::Approx(17.0625));
  CHECK(scalar(nn::L1Loss(nn::L1LossOptions("sum"))(input_values(), target_values())) == doctest::Approx(12.75));
  CHECK(scalar(nn::SmoothL1Loss(nn::SmoothL1LossOptions("sum").beta(0.5))(input_values(), target_values())) == doctest::Approx(9.75));
  CHECK(test::values(nn::MSELoss(nn::MSELossOptions("none"))(input_values(), target_values())) ==
        std::vector<double>{0.5625, 0.5625, 0.5625, 4, 0.5625, 0.5625, 4, 0.5625, 0.5625, 4, 0.5625, 0.5625});
}

TEST_CASE("CrossEntropyLoss with weights, label smoothing and ignore_index") {
  CHECK(scalar(nn::CrossEntropyLoss()(input_values(), classes())) == doctest::Approx(1.754743));
  CHECK(scalar(nn::CrossEntropyLoss(
                   nn::CrossEntropyLossOptions().weight(class_weights().to(kFloat)).label_smoothing(0.1))(
            input_values(), classes())) == doctest::Approx(1.692748));
  CHECK(scalar(nn::CrossEntropyLoss(nn::CrossEntropyLossOptions("sum").ignore_index(3))(input_values(), classes())) ==
        doctest::Approx(3.564095));
}

TEST_CASE("CrossEntropyLoss's gradient with label smoothing equals PyTorch's") {
  Tensor x = test::pattern({3, 4}).requires_grad_();
  nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(0.2))(x, classes()).backward();
  CHECK_VALUES(test::values(x.grad()), {-0.0008344313, -0.1922251, 0.01685018, 0.1762094, 0.06151306, 0.01209405,
                                        0.1488398, -0.2224469, -0.2487925, 0.1821024, 0.05645637, 0.0102338});
}

TEST_CASE("NLLLoss with class weights") {
  nn::NLLLoss loss(nn::NLLLossOptions().weight(class_weights().to(kFloat)));
  CHECK(scalar(loss(log_softmax(input_values(), 1), classes())) == doctest::Approx(1.660265));
}

TEST_CASE("BCELoss and BCEWithLogitsLoss with weight and pos_weight") {
  CHECK(scalar(nn::BCELoss()(sigmoid(input_values()), binary_target())) == doctest::Approx(0.9332695));
  nn::BCELoss weighted(nn::BCELossOptions("none").weight(test::make<double>({1.0, 2.0, 0.5, 1.0}, {4})));
  CHECK_VALUES(test::values(weighted(sigmoid(input_values()), binary_target())),
               {0.251929, 1.948154, 0.4870385, 1.501929, 0.8259395, 2.273742, 0.6566309, 0.6931472, 1.313262,
                2.273742, 0.4129697, 0.251929});
  nn::BCEWithLogitsLoss logits(
      nn::BCEWithLogitsLossOptions().pos_weight(test::make<double>({1.0, 2.0, 3.0, 0.5}, {4})));
  CHECK(scalar(logits(input_values(), binary_target())) == doctest::Approx(1.29913));
}

TEST_CASE("loss weights are buffers, as in PyTorch, and losses print without options") {
  nn::CrossEntropyLoss loss(nn::CrossEntropyLossOptions().weight(class_weights()));
  CHECK(loss->state_dict().tensors.keys() == std::vector<std::string>{"weight"});
  CHECK(nn::CrossEntropyLoss()->state_dict().tensors.is_empty());
  std::ostringstream os;
  os << *nn::CrossEntropyLoss();
  CHECK(os.str() == "CrossEntropyLoss()");
}

TEST_CASE("losses reject bad options") {
  CHECK(test::contains(test::error_of([] { nn::MSELoss(nn::MSELossOptions("average")); }), "average"));
  CHECK(test::contains(test::error_of([] { nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(1.5)); }),
                       "label_smoothing must be between 0.0 and 1.0"));
}
