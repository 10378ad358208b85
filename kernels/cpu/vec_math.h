// Branch-free float math that compilers vectorise (std::exp on float does not): used by softmax-like kernels.
#pragma once

#include <bit>
#include <cstdint>

namespace ember::kernels::cpu {

// exp(x) for float with <= 2 ulp error on [-87.3, 88.7]: 2^n * p(r) with x = n ln2 + r (Cody-Waite split)
// and a degree-6 polynomial for exp(r), |r| <= ln2 / 2. Results below 2^-126 flush to 0; above the float
// range give +inf; NaN stays NaN. No branches, so loops over it vectorise.
inline float exp_vectorizable(float x) {
  const float t = x * 1.44269504088896341f;
  // Round to nearest integer with the 1.5 * 2^23 trick (exact for |t| < 2^22).
  const float n = (t + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  // 2^n through the exponent bits, as two factors so that n = 128 (x near 88.7) stays representable;
  // n is clamped first so the float -> int conversion is always defined.
  const float n_clamped = n < -126.0f ? -126.0f : (n > 128.0f ? 128.0f : n);
  const int32_t n_int = static_cast<int32_t>(n_clamped == n_clamped ? n_clamped : 0.0f);  // NaN -> 0 (p is NaN)
  const int32_t half = n_int / 2;
  const float scale1 = std::bit_cast<float>(static_cast<uint32_t>(half + 127) << 23);
  const float scale2 = std::bit_cast<float>(static_cast<uint32_t>(n_int - half + 127) << 23);
  const float y = p * scale1 * scale2;
  return x < -87.33654f ? 0.0f : (x > 88.72283f ? __builtin_inff() : y);
}

// out[j] = exp(x[j] - shift) for j < n. Compiled for several ISAs (AVX-512, AVX2+FMA, baseline) and picked
// at load time, since the library's baseline (x86-64) has only 4-wide SSE vectors.
void exp_shifted(float* out, const float* x, int64_t n, float shift);

}  // namespace ember::kernels::cpu
