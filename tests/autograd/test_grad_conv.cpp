// Gradient values checked against PyTorch 1.13 (scripts/golden/grad_conv.py): convolution with stride 2, padding 1,
// dilation 2 and groups 2; max_pool2d with overlapping windows; subgradient routing and grad_fn names.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {
Tensor ramp(IntArrayRef sizes, double scale, double shift) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return arange(n, TensorOptions(kDouble)).reshape(sizes) * scale + shift;
}
}  // namespace

TEST_CASE("conv2d input, weight and bias gradients: stride 2, padding 1, dilation 2, groups 2") {
  Tensor x = (ramp({1, 4, 4, 5}, 0.37, 0)).sin().detach().requires_grad_();
  Tensor w = (ramp({4, 2, 2, 1}, 0.53, 0)).cos().detach().requires_grad_();
  Tensor b = tensor({0.1, -0.2, 0.3, 0.4}, TensorOptions(kDouble)).requires_grad_();
  Tensor y = conv2d(x, w, b, 2, 1, 2, 2);
  CHECK(y.sizes() == IntArrayRef({1, 4, 2, 4}));
  CHECK(y.grad_fn()->name() == "ConvolutionBackward0");
  y.backward(ramp({1, 4, 2, 4}, 0.5, -1));
  CHECK_VALUES(test::values(x.grad()), {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -4.887986184182273, 0.0, -4.658377834441389, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -3.554491471558432, 0.0, -3.563879034240195, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -7.702692276543756, 0.0, -8.388868423310043, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -4.663980186125353, 0.0, -5.0949611095555465, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 19.016282137318516, 0.0, 19.72682415896238, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 11.63682829172416, 0.0, 12.07635217751007, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 16.58353857794468, 0.0, 17.47256214693627, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.246784798619574, 0.0, 7.648377870836709, 0.0});
  CHECK_VALUES(test::values(w.grad()), {1.5560407441425959, -0.19524205495533797, -1.9004383604077801, 3.117475166915276, 5.464687704663875, 3.7642327079033087, -5.895299442477237, 5.847869903272023, -18.047941599828544, -0.19975740489179117, -5.9395925891002594, -8.753470791785746, -25.460459863494826, -1.764417538045576, -8.446211657285222, -12.856220568056056});
  CHECK_VALUES(test::values(b.grad()), {6.0, 38.0, 70.0, 102.0});
}

TEST_CASE("max_pool2d with overlapping windows sums the gradient at a shared maximum") {
  Tensor p = tensor({1., 5., 2., 0., 3., 4., 9., 1., 0., 2., 6., 8., 7., 1., 3., 2.}, TensorOptions(kDouble))
                 .reshape({1, 1, 4, 4})
                 .detach()
                 .requires_grad_();
  Tensor m = max_pool2d(p, 3, 1);
  CHECK_VALUES(test::values(m), {9, 9, 9, 9});
  m.backward(tensor({1., 2., 3., 4.}, TensorOptions(kDouble)).reshape({1, 1, 2, 2}));
  CHECK_VALUES(test::values(p.grad()), {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  // The indices form routes the same way.
  Tensor q = p.detach().requires_grad_();
  Tensor v = std::get<0>(max_pool2d_with_indices(q, {3, 3}, {1, 1}));
  v.backward(tensor({1., 2., 3., 4.}, TensorOptions(kDouble)).reshape({1, 1, 2, 2}));
  CHECK_VALUES(test::values(q.grad()), {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
}

TEST_CASE("constant_pad_nd with negative padding: cropped elements get zero gradient") {
  Tensor x = tensor({1., 2., 3., 4.}, TensorOptions(kDouble)).requires_grad_();
  Tensor y = constant_pad_nd(x, {-1, 2}, 0);
  y.backward(tensor({1., 2., 3., 4., 5.}, TensorOptions(kDouble)));
  CHECK_VALUES(test::values(x.grad()), {0, 1, 2, 3});
}
