// Specification of the vectorisable float math used by eager kernels: accuracy against std::exp and special values.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/cpu/vec_math.h"

using ember::kernels::cpu::exp_vectorizable;

TEST_CASE("exp_vectorizable is within 2 ulp of std::exp over the normal float range") {
  double worst = 0;
  for (float x = -87.0f; x <= 88.5f; x += 0.0007f) {
    const double want = std::exp(double(x));
    const double got = exp_vectorizable(x);
    const double ulp = std::ldexp(1.0, std::ilogb(want) - 23);
    worst = std::max(worst, std::fabs(got - want) / ulp);
  }
  CHECK(worst <= 2.0);
}

TEST_CASE("exp_vectorizable at special values") {
  CHECK(exp_vectorizable(0.0f) == 1.0f);
  CHECK(exp_vectorizable(-0.0f) == 1.0f);
  CHECK(exp_vectorizable(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(exp_vectorizable(-1000.0f) == 0.0f);
  CHECK(std::isinf(exp_vectorizable(std::numeric_limits<float>::infinity())));
  CHECK(std::isinf(exp_vectorizable(100.0f)));
  CHECK(std::isnan(exp_vectorizable(std::numeric_limits<float>::quiet_NaN())));
  CHECK(exp_vectorizable(1.0f) == doctest::Approx(2.718281828).epsilon(1e-7));
}

TEST_CASE("exp_shifted (the ISA-cloned loop) agrees with exp_vectorizable element by element") {
  std::vector<float> x(1031), out(1031);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -80.0f + 0.15f * float(i);
  ember::kernels::cpu::exp_shifted(out.data(), x.data(), int64_t(x.size()), 3.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    CAPTURE(i);
    CHECK(out[i] == doctest::Approx(exp_vectorizable(x[i] - 3.0f)).epsilon(1e-6));
  }
}
