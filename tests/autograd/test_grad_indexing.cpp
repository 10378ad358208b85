// Gradients of the indexing, gather and scatter ops that gradcheck cannot see: how repeated indices accumulate or
// overwrite, broadcast values, each filled position counted once, and the grad_fn names. The expected values are
// PyTorch 1.13's, printed by scripts/golden/grad_indexing.py.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;
using test::values;

namespace {

using Opt = std::vector<std::optional<Tensor>>;

Tensor longs(std::vector<int64_t> v, IntArrayRef sizes) { return test::make<int64_t>(v, sizes, kLong); }
Tensor longs(std::vector<int64_t> v) { return longs(v, {int64_t(v.size())}); }
Tensor mask(std::vector<int> v, IntArrayRef sizes) {
  Tensor t = empty(sizes, TensorOptions(kBool));
  for (size_t i = 0; i < v.size(); ++i) t.data_ptr<bool>()[i] = v[i] != 0;
  return t;
}
Tensor doubles(std::vector<double> v, IntArrayRef sizes) { return test::make<double>(v, sizes, kDouble); }

// arange(n) * 0.5 - 1 in `sizes`, a leaf that requires grad (the script's arange()).
Tensor ramp(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return (arange(n, TensorOptions(kDouble)) * 0.5 - 1.0).reshape(sizes).detach().requires_grad_();
}
// 1, 2, ..., n in `sizes`.
Tensor seed(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return (arange(n, TensorOptions(kDouble)) + 1.0).reshape(sizes);
}

autograd::variable_list grads(const Tensor& out, const autograd::variable_list& inputs, const Tensor& g) {
  return autograd::grad({out}, inputs, {g});
}

}  // namespace

TEST_CASE("index: repeated and negative indices accumulate into self's gradient") {
  Tensor x = ramp({4});
  Tensor y = x.index({longs({0, -1, 0, 0, 2})});
  CHECK(y.grad_fn()->name() == "IndexBackward0");
  CHECK_VALUES(values(grads(y, {x}, seed({5}))[0]), {8.0, 0.0, 5.0, 2.0});
}

TEST_CASE("index_put_ without accumulate: self's gradient is zero where written, every value gets grad.index") {
  Tensor x = ramp({3, 2}), v = ramp({3, 2});
  Tensor y = x * 1.0;
  y.index_put_({longs({1, 1, 0})}, v);
  CHECK(y.grad_fn()->name() == "IndexPutBackward0");
  auto g = grads(y, {x, v}, seed({3, 2}));
  CHECK_VALUES(values(g[0]), {0.0, 0.0, 0.0, 0.0, 5.0, 6.0});
  CHECK_VALUES(values(g[1]), {3.0, 4.0, 3.0, 4.0, 1.0, 2.0});
}

TEST_CASE("index_put_ with accumulate: self passes grad through, a broadcast value's gradient is summed") {
  Tensor x = ramp({3, 2}), v = ramp({2});
  Tensor y = x * 1.0;
  y.index_put_(Opt{longs({2, 0, 2})}, v, true);
  auto g = grads(y, {x, v}, seed({3, 2}));
  CHECK_VALUES(values(g[0]), {1.0, 2.0, 3.0, 4.0, 5.0, 6.0});
  CHECK_VALUES(values(g[1]), {11.0, 14.0});
}

TEST_CASE("index_put_ with a boolean mask and a 0-d value") {
  Tensor x = ramp({2, 2});
  Tensor v = tensor(3.0, kDouble).requires_grad_();
  Tensor y = x * 1.0;
  y.index_put_({mask({1, 0, 1, 1}, {2, 2})}, v);
  auto g = grads(y, {x, v}, seed({2, 2}));
  CHECK_VALUES(values(g[0]), {0.0, 2.0, 0.0, 0.0});
  CHECK_VALUES(values(g[1]), {8.0});
}

TEST_CASE("scatter with repeated targets: src's gradient is grad.gather, overwritten entries included") {
  Tensor x = ramp({3}), s = ramp({3});
  Tensor y = x.scatter(0, longs({1, 1, 0}), s);
  CHECK(y.grad_fn()->name() == "ScatterBackward0");
  CHECK(x.scatter(0, longs({0}), Scalar(2.0)).grad_fn()->name() == "ScatterBackward1");
  auto g = grads(y, {x, s}, seed({3}));
  CHECK_VALUES(values(g[0]), {0.0, 0.0, 3.0});
  CHECK_VALUES(values(g[1]), {2.0, 2.0, 1.0});
}

TEST_CASE("scatter with reduce has no derivative, as in PyTorch") {
  Tensor x = ramp({3}), s = ramp({3});
  Tensor y = x.scatter(0, longs({0, 1, 2}), s, "add");
  CHECK(test::contains(test::error_of([&] { y.sum().backward(); }), "derivative for aten::scatter is not implemented"));
}

TEST_CASE("index_copy with a repeated index") {
  Tensor x = ramp({3}), s = ramp({2});
  Tensor y = x.index_copy(0, longs({2, 2}), s);
  CHECK(y.grad_fn()->name() == "IndexCopyBackward0");
  auto g = grads(y, {x, s}, seed({3}));
  CHECK_VALUES(values(g[0]), {1.0, 2.0, 0.0});
  CHECK_VALUES(values(g[1]), {3.0, 3.0});
}

TEST_CASE("index_fill with a tensor value counts each filled position once") {
  Tensor x = ramp({3, 2});
  Tensor v = tensor(1.5, kDouble).requires_grad_();
  Tensor y = x.index_fill(0, longs({2, 2, 0}), v);
  CHECK(y.grad_fn()->name() == "IndexFillBackward1");
  CHECK(x.index_fill(0, longs({0}), Scalar(1.0)).grad_fn()->name() == "IndexFillBackward0");
  auto g = grads(y, {x, v}, seed({3, 2}));
  CHECK_VALUES(values(g[0]), {0.0, 0.0, 3.0, 4.0, 0.0, 0.0});
  CHECK_VALUES(values(g[1]), {14.0});
}

TEST_CASE("index_fill with a tensor value and a negative index") {
  // PyTorch 1.13 raises "index out of range" here (it index_selects the unwrapped unique indices); ember gives
  // the gradient that the repeated, non-negative form above gives.
  Tensor x = ramp({3, 2});
  Tensor v = tensor(1.5, kDouble).requires_grad_();
  Tensor y = x.index_fill(0, longs({2, -1, 0}), v);
  CHECK_VALUES(values(grads(y, {x, v}, seed({3, 2}))[1]), {14.0});
}

TEST_CASE("masked_fill with a tensor value and a mask broadcast over self") {
  Tensor x = ramp({3});
  Tensor v = tensor(-1.0, kDouble).requires_grad_();
  Tensor y = x.masked_fill(mask({1, 0, 0, 0, 0, 1}, {2, 3}), v);
  CHECK(y.grad_fn()->name() == "MaskedFillBackward1");
  CHECK(x.masked_fill(mask({1, 0, 1}, {3}), Scalar(0.0)).grad_fn()->name() == "MaskedFillBackward0");
  auto g = grads(y, {x, v}, seed({2, 3}));
  CHECK_VALUES(values(g[0]), {4.0, 7.0, 3.0});
  CHECK_VALUES(values(g[1]), {7.0});
}

TEST_CASE("masked_select with self broadcast over the mask") {
  Tensor x = ramp({3});
  Tensor y = x.masked_select(mask({1, 0, 1, 1, 1, 0}, {2, 3}));
  CHECK(y.grad_fn()->name() == "MaskedSelectBackward0");
  CHECK_VALUES(values(grads(y, {x}, seed({4}))[0]), {4.0, 4.0, 2.0});
}

TEST_CASE("take with negative and repeated indices") {
  Tensor x = ramp({2, 2});
  Tensor y = x.take(longs({-1, 0, 3, 3}, {2, 2}));
  CHECK(y.grad_fn()->name() == "TakeBackward0");
  CHECK_VALUES(values(grads(y, {x}, seed({2, 2}))[0]), {2.0, 0.0, 0.0, 8.0});
}

TEST_CASE("index_add with alpha and a repeated index, and its double backward") {
  Tensor x = ramp({3}), s = ramp({2});
  Tensor y = x.index_add(0, longs({1, 1}), s, 2.0);
  CHECK(y.grad_fn()->name() == "IndexAddBackward0");
  Tensor g = doubles({1.0, 2.0, 3.0}, {3}).requires_grad_();
  auto first = autograd::grad({y}, {x, s}, {g}, std::nullopt, /*create_graph=*/true);
  CHECK_VALUES(values(first[0]), {1.0, 2.0, 3.0});
  CHECK_VALUES(values(first[1]), {4.0, 4.0});
  auto second = autograd::grad({first[1]}, {g}, {doubles({1.0, 10.0}, {2})});
  CHECK_VALUES(values(second[0]), {0.0, 22.0, 0.0});
}

TEST_CASE("gather, scatter_add and index_select with repeated indices") {
  Tensor x = ramp({2, 2});
  Tensor y = x.gather(1, longs({0, 0, 0, 1, 0, 1}, {2, 3}));
  CHECK(y.grad_fn()->name() == "GatherBackward0");
  CHECK_VALUES(values(grads(y, {x}, seed({2, 3}))[0]), {6.0, 0.0, 5.0, 10.0});

  Tensor a = ramp({3}), s = ramp({4});
  Tensor z = a.scatter_add(0, longs({2, 2, 0, 2}), s);
  CHECK(z.grad_fn()->name() == "ScatterAddBackward0");
  auto g = grads(z, {a, s}, seed({3}));
  CHECK_VALUES(values(g[0]), {1.0, 2.0, 3.0});
  CHECK_VALUES(values(g[1]), {3.0, 3.0, 1.0, 3.0});

  Tensor w = a.index_select(0, longs({1, 1, 2}));
  CHECK(w.grad_fn()->name() == "IndexSelectBackward0");
  CHECK_VALUES(values(grads(w, {a}, seed({3}))[0]), {0.0, 3.0, 3.0});
}

TEST_CASE("tril and triu grad_fn names; nonzero and one_hot are not differentiable") {
  Tensor x = ramp({2, 2});
  CHECK(x.tril().grad_fn()->name() == "TrilBackward0");
  CHECK(x.triu().grad_fn()->name() == "TriuBackward0");
  CHECK_FALSE(OpRegistry::instance().find("nonzero")->differentiable());
  CHECK_FALSE(OpRegistry::instance().find("one_hot")->differentiable());
}
