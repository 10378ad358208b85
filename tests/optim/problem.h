// The fixed problem the optimizer tests run on, as scripts/golden/optim.py builds it:
// w (2x3) and b (2) from literals, loss = sum(c * (w - t)^2) + sum((b - tb)^2).
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "helpers.h"

namespace ember::test {

struct Problem {
  Tensor w = make<double>({0.5, -1.25, 2.0, 1.5, 0.75, -0.5}, {2, 3}).requires_grad_();
  Tensor b = make<double>({0.3, -0.7}, {2}).requires_grad_();

  Tensor loss() const {
    const Tensor t = make<double>({0.1, 0.2, -0.3, 0.4, -0.6, 0.9}, {2, 3});
    const Tensor c = make<double>({1.0, 2.0, 0.5, 3.0, 1.5, 0.25}, {2, 3});
    const Tensor tb = make<double>({1.1, -0.2}, {2});
    return (c * (w - t).pow(2)).sum() + (b - tb).pow(2).sum();
  }
  // w's then b's values, as the golden script prints them.
  std::vector<double> flat() const {
    std::vector<double> out = values(w);
    for (double v : values(b)) out.push_back(v);
    return out;
  }
  // One training step: zero_grad, backward, step.
  void train_step(optim::Optimizer& optimizer) const {
    optimizer.zero_grad();
    loss().backward();
    optimizer.step();
  }
};

using Trajectory = std::vector<std::vector<double>>;

// CHECK that `actual` equals PyTorch's `expected` up to float32 rounding. Ember's add(other, alpha)
// rounds alpha * other before adding where PyTorch's AVX2 kernel fuses the multiply-add, and its
// reductions (norm) sum in another order, so values can differ from PyTorch's in the last bits.
inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("element ", i, ": ", actual[i], " vs ", expected[i]);
    CHECK(std::abs(actual[i] - expected[i]) <= 5e-7 * (1 + std::abs(expected[i])));
  }
}

// CHECK that `steps` training steps with `optimizer` (over problem's w and b) pass through `expected`.
inline void check_trajectory(const Problem& problem, optim::Optimizer& optimizer, const Trajectory& expected) {
  for (size_t step = 0; step < expected.size(); ++step) {
    CAPTURE(step + 1);
    problem.train_step(optimizer);
    check_close(problem.flat(), expected[step]);
  }
}

}  // namespace ember::test
