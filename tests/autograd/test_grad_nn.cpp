// Gradients of the nn ops and losses against PyTorch 1.13's values (scripts/golden/grad_nn.py), for what
// gradcheck cannot see: the padding row and frequency scaling of embedding, subgradients at ties and
// edges, and the exact formulas of the norms and class losses.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

Tensor d(detail::TensorDataContainer data, bool grad = true) {
  Tensor t = tensor(std::move(data), TensorOptions(kDouble));
  return grad ? t.requires_grad_() : t;
}
Tensor longs(detail::TensorDataContainer data) { return tensor(std::move(data), TensorOptions(kLong)); }

Tensor X() { return d({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}); }
Tensor G() { return d({{1.0, -2.0, 0.5}, {0.3, 0.7, -1.1}}, false); }
Tensor XC() { return d({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}, {0.1, 0.9, -0.3}, {2.2, -1.4, 0.6}}); }

}  // namespace

TEST_CASE("layer_norm: input, weight and bias gradients") {
  Tensor x = X(), w = d({0.5, 1.5, -1.0}), b = d({0.1, 0.2, 0.3});
  Tensor y = layer_norm(x, {3}, w, b, 1e-5);
  CHECK(y.grad_fn()->name() == "NativeLayerNormBackward0");
  y.backward(G());
  CHECK_VALUES(test::values(x.grad()), {1.22474078893, -0.612377198535, -0.612363590394, -0.119334876627,
                                        0.268489313464, -0.149154436837});
  CHECK_VALUES(test::values(w.grad()), {0.380247889299, 2.38610692964, 1.90702392232});
  CHECK_VALUES(test::values(b.grad()), {1.3, -1.3, -0.6});
}

TEST_CASE("batch_norm training: gradients through the batch statistics") {
  Tensor x = XC(), w = d({0.5, 1.5, -1.0}), b = d({0.1, 0.2, 0.3});
  Tensor rm = zeros({3}, TensorOptions(kDouble)), rv = ones({3}, TensorOptions(kDouble));
  Tensor y = batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
  CHECK(y.grad_fn()->name() == "NativeBatchNormBackward0");
  y.backward(d({{1.0, -2.0, 0.5}, {0.3, 0.7, -1.1}, {0.2, -0.4, 0.9}, {-0.6, 0.8, 0.1}}, false));
  CHECK_VALUES(test::values(x.grad()),
               {0.30108768002, -2.73661023468, 0.12722173452, 0.169715888255, 1.38642281956, 0.784188000047,
                -0.300304037463, -0.518672079596, -0.978367519909, -0.170499530812, 1.86885949471, 0.0669577853422});
  CHECK_VALUES(test::values(w.grad()), {-1.59549355934, 0.44603396596, 1.39017438832});
  CHECK_VALUES(test::values(b.grad()), {0.9, -0.9, 0.4});
}

TEST_CASE("batch_norm eval: an affine map with the running statistics") {
  Tensor x = X(), w = d({0.5, 1.5, -1.0}), b = d({0.1, 0.2, 0.3});
  Tensor rm = d({0.5, -0.2, 0.1}, false), rv = d({0.7, 1.3, 2.0}, false);
  batch_norm(x, w, b, rm, rv, false, 0.1, 1e-5).backward(G());
  CHECK_VALUES(test::values(x.grad()), {0.597610036039, -2.63116393808, -0.353552506713, 0.179283010812,
                                        0.920907378328, 0.777815514769});
  CHECK_VALUES(test::values(w.grad()), {0.358566021624, 1.67955964714, 1.33289295031});
  CHECK_VALUES(test::values(b.grad()), {1.3, -1.3, -0.6});
}

TEST_CASE("group_norm: gradients per group, affine per channel") {
  Tensor x = d({{{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}, {0.1, 0.9, -0.3}, {2.2, -1.4, 0.6}}});
  Tensor w = d({0.5, 1.5, -1.0, 2.0}), b = d({0.1, 0.2, 0.3, 0.4});
  Tensor y = group_norm(x, 2, w, b, 1e-5);
  CHECK(y.grad_fn()->name() == "NativeGroupNormBackward0");
  y.backward(d({{{1.0, -2.0, 0.5}, {0.3, 0.7, -1.1}, {0.2, -0.4, 0.9}, {-0.6, 0.8, 0.1}}}, false));
  CHECK_VALUES(test::values(x.grad()),
               {0.477231039477, -0.105847099819, -0.550310476372, -0.100421994079, 1.11633462052, -0.836986089726,
                -0.292658652057, 0.655908068714, -1.12871303813, -0.131571987873, 0.574229371811, 0.32280623753});
  CHECK_VALUES(test::values(w.grad()), {3.41297974543, 1.37286151558, -0.773285567399, -2.24750249706});
  CHECK_VALUES(test::values(b.grad()), {-0.5, -0.1, 0.7, 0.3});
}

TEST_CASE("cross_entropy with class indices, weight, ignore_index and label smoothing") {
  Tensor x = XC();
  Tensor loss = cross_entropy(x, longs({0, 2, 1, 2}), d({0.5, 1.0, 2.0}, false), "mean", 1, 0.2);
  loss.backward();
  // The ignored sample (row 2) gets nothing, smoothing term included.
  CHECK_VALUES(test::values(x.grad()),
               {-0.0716257966618, -0.00931008228042, 0.0809358789422, 0.285290509358, 0.0690445423694,
                -0.354335051727, 0, 0, 0, 0.324028240985, -0.00575875914901, -0.318269481836});
}

TEST_CASE("cross_entropy with class probabilities: input and target gradients") {
  Tensor x = XC();
  Tensor p = d({{0.2, 0.3, 0.5}, {0.1, 0.6, 0.3}, {0.7, 0.2, 0.1}, {0.25, 0.25, 0.5}});
  cross_entropy(x, p, d({0.5, 1.0, 2.0}, false), "sum", -100, 0.1).backward();
  CHECK_VALUES(test::values(x.grad()),
               {0.134649773179, -0.249488357464, 0.114838584285, 0.830396756929, -0.31775288337, -0.51264387356,
                -0.128459552285, 0.238912416684, -0.110452864399, 0.972480232818, -0.228232239217, -0.744247993601});
  CHECK_VALUES(test::values(p.grad()),
               {0.783590083496, 2.91718016699, 0.434360333983, 0.148802674233, 1.42260534847, 4.64521069693,
                0.611961615444, 0.503923230889, 3.16784646178, 0.0928710078715, 3.42574201574, 3.25148403149});
}

TEST_CASE("nll_loss mean divides by the weights of the counted samples only") {
  Tensor x = XC();
  Tensor loss = nll_loss(x, longs({1, 1, 0, 1}), d({0.5, 1.0, 2.0}, false), "mean", 1);
  CHECK(loss.grad_fn()->name() == "NllLossBackward0");
  loss.backward();
  CHECK_VALUES(test::values(x.grad()), {0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0});
}

TEST_CASE("embedding: the padding row gets no gradient, repeated rows accumulate") {
  Tensor w = d({{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}, {0.7, 0.8}, {0.9, 1.0}});
  Tensor y = embedding(w, longs({{0, 2}, {4, 2}, {0, 1}}), 2);
  CHECK(y.grad_fn()->name() == "EmbeddingBackward0");
  y.backward(arange(12, TensorOptions(kDouble)).reshape({3, 2, 2}));
  CHECK_VALUES(test::values(w.grad()), {8, 10, 10, 11, 0, 0, 0, 0, 4, 5});
}

TEST_CASE("embedding scale_grad_by_freq divides each row's gradient by its count in the batch") {
  Tensor w = d({{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}, {0.7, 0.8}, {0.9, 1.0}});
  embedding(w, longs({{0, 2}, {4, 2}, {0, 1}}), 2, true).backward(arange(12, TensorOptions(kDouble)).reshape({3, 2, 2}));
  CHECK_VALUES(test::values(w.grad()), {4, 5, 10, 11, 0, 0, 0, 0, 4, 5});
}

TEST_CASE("l1_loss: zero gradient at a tie; the target gets the negation") {
  Tensor x = d({1.0, 2.0, -0.5}), t = d({1.0, 1.0, 0.5});
  l1_loss(x, t, "sum").backward();
  CHECK_VALUES(test::values(x.grad()), {0, 1, -1});
  CHECK_VALUES(test::values(t.grad()), {0, -1, 1});
}

TEST_CASE("smooth_l1_loss: zero at a tie, continuous at |d| == beta") {
  Tensor x = d({1.0, 2.0, -0.5}), t = d({1.0, 1.0, 0.5});
  Tensor loss = smooth_l1_loss(x, t, "sum", 1.0);
  CHECK(loss.grad_fn()->name() == "SmoothL1LossBackward0");
  loss.backward();
  CHECK_VALUES(test::values(x.grad()), {0, 1, -1});
  CHECK_VALUES(test::values(t.grad()), {0, -1, 1});
}

TEST_CASE("binary_cross_entropy at 0 and 1: the denominator is clamped to 1e-12") {
  Tensor x = d({0.0, 1.0, 0.5}), t = d({0.0, 1.0, 0.25}, false);
  binary_cross_entropy(x, t, std::nullopt, "sum").backward();
  CHECK_VALUES(test::values(x.grad()), {0, 0, 1});
}

TEST_CASE("binary_cross_entropy_with_logits with weight and pos_weight: input and target gradients") {
  Tensor x = X(), t = d({{0.2, 0.9, 0.5}, {1.0, 0.0, 0.3}});
  Tensor loss = binary_cross_entropy_with_logits(x, t, d({{0.5}, {2.0}}, false), d({1.5, 0.5, 3.0}, false));
  CHECK(loss.grad_fn()->name() == "BinaryCrossEntropyWithLogitsBackward0");
  loss.backward();
  CHECK_VALUES(test::values(x.grad()), {0.0320587720268, -0.0251735181872, 0.0217995129963, -0.0912127619032,
                                        0.187392166962, -0.128895306227});
  CHECK_VALUES(test::values(t.grad()), {-0.0219134589925, 0.0286140963534, -0.14551199816, -0.466431120336,
                                        -0.179323236646, 1.00791400408});
}

TEST_CASE("dropout: the gradient is the mask times 1 / (1 - p)") {
  Tensor x = ones({4, 5}, TensorOptions(kDouble)).requires_grad_();
  auto [y, mask] = native_dropout(x, 0.25, true, Generator(3));
  CHECK(y.grad_fn()->name() == "NativeDropoutBackward0");
  y.sum().backward();
  const std::vector<double> g = test::values(x.grad()), m = test::values(mask);
  for (size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(m[i] / 0.75));
  // In place on a non-leaf: the same mask from the same seed.
  Tensor x2 = ones({4, 5}, TensorOptions(kDouble)).requires_grad_();
  Tensor z = x2 * 1.0;
  dropout_(z, 0.25, true, Generator(3));
  z.sum().backward();
  CHECK_VALUES(test::values(x2.grad()), g);
}

TEST_CASE("mse_loss: broadcast target gets the summed gradient") {
  Tensor x = X(), t = d({0.5, 0.5, 0.5});
  Tensor loss = mse_loss(x, t, "sum");
  CHECK(loss.grad_fn()->name() == "MseLossBackward0");
  loss.backward();
  CHECK_VALUES(test::values(x.grad()), {0, -3, 3, 2, -0.5, -2.5});
  CHECK_VALUES(test::values(t.grad()), {-2, 3.5, -0.5});
}
