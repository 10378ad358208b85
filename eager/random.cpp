// Generators and random ops, reproducing PyTorch's CPU generator stream and sampling formulas bit for bit.
//
// PyTorch's CPU generator is a standard mt19937 (seeded with the low 32 bits of the seed) plus a cached
// second Box-Muller sample; every op below draws from it serially under the generator's mutex, in the
// element order PyTorch's TensorIterator uses, so a seed gives PyTorch's values for any thread count.
// Every fill and sampler is one registry op carrying its generator, so a tracer records it and a replay
// draws from the same stream.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <optional>
#include <random>
#include <cstdlib>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/random.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/parallel.h"

// The sampling formulas below fix where a fused multiply-add happens (std::fma) and where it must not;
// letting the compiler contract other a * b + c expressions (e.g. under -march=native) would change bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EMBER_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define EMBER_ALWAYS_INLINE inline
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EMBER_FMA_CLONE 1
#include <immintrin.h>
#else
#define EMBER_FMA_CLONE 0
#endif

namespace ember {

// ---------------------------------------------------------------------------------------------------
// The generator state: mt19937 kept in PyTorch's representation (`left` counts down to the next
// regeneration, `next` indexes the state), so get_state() has PyTorch's byte layout.

inline constexpr int kStateWords = 624;

struct GeneratorImpl {
  std::mutex mutex;
  uint64_t initial_seed = 0;
  std::array<uint32_t, kStateWords> state{};
  int32_t left = 1;
  uint64_t next = 0;
  // Box-Muller yields two samples; the serial normal path keeps the second for the next call.
  std::optional<double> next_double_normal;
  std::optional<float> next_float_normal;

  void reseed(uint64_t seed) {
    initial_seed = seed;
    state[0] = uint32_t(seed);
    for (int i = 1; i < kStateWords; ++i)
      state[size_t(i)] = 1812433253u * (state[size_t(i - 1)] ^ (state[size_t(i - 1)] >> 30)) + uint32_t(i);
    left = 1;
    next = 0;
    next_double_normal.reset();
    next_float_normal.reset();
  }

  void regenerate() {
    constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu, kMatrix = 0x9908b0dfu;
    for (int i = 0; i < kStateWords; ++i) {
      const uint32_t y = (state[size_t(i)] & kUpper) | (state[size_t((i + 1) % kStateWords)] & kLower);
      state[size_t(i)] = state[size_t((i + 397) % kStateWords)] ^ (y >> 1) ^ ((y & 1u) ? kMatrix : 0u);
    }
    left = kStateWords;
    next = 0;
  }

  uint32_t random() {
    if (--left == 0) regenerate();
    uint32_t y = state[size_t(next++)];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // Two 32-bit draws, the first one high, as PyTorch combines them.
  uint64_t random64() {
    const uint64_t hi = random();
    const uint64_t lo = random();
    return (hi << 32) | lo;
  }
};

namespace {

// get_state() layout: PyTorch's CPUGeneratorImplState (legacy TH struct + cached float sample), 5056 bytes.
struct StateLayout {
  static constexpr size_t seed = 0, left = 8, seeded = 12, next = 16, state = 24;
  static constexpr size_t normal_x = state + 8 * kStateWords, normal_y = normal_x + 8, normal_rho = normal_y + 8,
                          normal_is_valid = normal_rho + 8;
  static constexpr size_t legacy_size = normal_is_valid + 8;  // int + padding to 8
  static constexpr size_t float_normal = legacy_size, float_normal_is_valid = float_normal + 4;
  static constexpr size_t size = float_normal + 8;
};
static_assert(StateLayout::legacy_size == 5048 && StateLayout::size == 5056);

template <typename T>
void put(uint8_t* p, size_t at, T v) {
  std::memcpy(p + at, &v, sizeof(T));
}
template <typename T>
T get(const uint8_t* p, size_t at) {
  T v;
  std::memcpy(&v, p + at, sizeof(T));
  return v;
}

}  // namespace

Generator::Generator(uint64_t seed) : impl_(std::make_shared<GeneratorImpl>()) { impl_->reseed(seed); }

void Generator::set_current_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->reseed(seed);
}

uint64_t Generator::seed() {
  // 64 non-deterministic bits, as torch.seed() draws them.
  std::random_device device;
  const uint64_t s = (uint64_t(device()) << 32) | device();
  set_current_seed(s);
  return s;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->initial_seed;
}

Tensor Generator::get_state() const {
  Tensor out = zeros({int64_t(StateLayout::size)}, kByte);
  uint8_t* p = out.data_ptr<uint8_t>();
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const GeneratorImpl& g = *impl_;
  put<uint64_t>(p, StateLayout::seed, g.initial_seed);
  put<int32_t>(p, StateLayout::left, g.left);
  put<int32_t>(p, StateLayout::seeded, 1);
  put<uint64_t>(p, StateLayout::next, g.next);
  for (int i = 0; i < kStateWords; ++i) put<uint64_t>(p, StateLayout::state + 8 * size_t(i), g.state[size_t(i)]);
  if (g.next_double_normal) {
    put<double>(p, StateLayout::normal_y, *g.next_double_normal);
    put<int32_t>(p, StateLayout::normal_is_valid, 1);
  }
  if (g.next_float_normal) {
    put<float>(p, StateLayout::float_normal, *g.next_float_normal);
    put<uint8_t>(p, StateLayout::float_normal_is_valid, 1);
  }
  return out;
}

void Generator::set_state(const Tensor& state) {
  EMBER_CHECK(state.defined(), "[set_state] expected a uint8 state tensor from get_state(), got an undefined tensor.");
  EMBER_CHECK(state.dtype() == kByte,
              "[set_state] RNG state must be a uint8 (Byte) tensor as returned by get_state(), got dtype {}.",
              python_name(state.dtype()));
  EMBER_CHECK(state.dim() == 1,
              "[set_state] RNG state must be a 1-D uint8 tensor as returned by get_state(), got {} dims.", state.dim());
  const size_t n = size_t(state.numel());
  EMBER_CHECK(n == StateLayout::size || n == StateLayout::legacy_size,
              "[set_state] Expected an RNG state of {} bytes (or a legacy state of {} bytes), but found {} bytes. "
              "Pass a tensor returned by get_state().",
              StateLayout::size, StateLayout::legacy_size, n);
  const Tensor c = state.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  const int32_t left = get<int32_t>(p, StateLayout::left);
  const int32_t seeded = get<int32_t>(p, StateLayout::seeded);
  const uint64_t next = get<uint64_t>(p, StateLayout::next);
  EMBER_CHECK(seeded == 1 && left >= 1 && left <= kStateWords && next <= uint64_t(kStateWords),
              "[set_state] Invalid mt19937 state: expected seeded=1, 1 <= left <= {} and next <= {}, got seeded={}, "
              "left={}, next={}. Pass a tensor returned by get_state().",
              kStateWords, kStateWords, seeded, left, next);
  std::array<uint32_t, kStateWords> words{};
  for (int i = 0; i < kStateWords; ++i) {
    const uint64_t w = get<uint64_t>(p, StateLayout::state + 8 * size_t(i));
    EMBER_CHECK(w <= 0xffffffffu,
                "[set_state] Invalid mt19937 state: word {} is {}, which does not fit in 32 bits. Pass a tensor "
                "returned by get_state().",
                i, w);
    words[size_t(i)] = uint32_t(w);
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  GeneratorImpl& g = *impl_;
  g.initial_seed = get<uint64_t>(p, StateLayout::seed);
  g.state = words;
  g.left = left;
  g.next = next;
  g.next_double_normal.reset();
  if (get<int32_t>(p, StateLayout::normal_is_valid) != 0) g.next_double_normal = get<double>(p, StateLayout::normal_y);
  g.next_float_normal.reset();
  if (n == StateLayout::size && get<uint8_t>(p, StateLayout::float_normal_is_valid) != 0)
    g.next_float_normal = get<float>(p, StateLayout::float_normal);
}

uint32_t Generator::random() { return impl_->random(); }
uint64_t Generator::random64() { return impl_->random64(); }
std::mutex& Generator::mutex() const { return impl_->mutex; }

Generator& default_generator() {
  static Generator generator;
  return generator;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }
uint64_t initial_seed() { return default_generator().initial_seed(); }
uint64_t seed() { return default_generator().seed(); }

// ---------------------------------------------------------------------------------------------------
// Sampling formulas (the caller holds the generator's mutex).

namespace {

using kernels::cpu::cast_to;

GeneratorImpl& pick(const std::optional<Generator>& generator) {
  return generator ? *generator->impl() : *default_generator().impl();
}

template <typename T>
inline constexpr int kMantissaBits = std::is_same_v<T, double>   ? 53
                                     : std::is_same_v<T, float>  ? 24
                                     : std::is_same_v<T, Half>   ? 11
                                                                 : 8;  // BFloat16
template <typename T>
inline constexpr bool is_reduced_float = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// A uniform sample in [0, 1) with T's mantissa bits: 53-bit draws for double, 32-bit ones otherwise.
template <typename T>
auto uniform01(GeneratorImpl& g) {
  if constexpr (std::is_same_v<T, double>) {
    return double(g.random64() & ((uint64_t(1) << 53) - 1)) * 0x1p-53;
  } else {
    constexpr uint32_t mask = (uint32_t(1) << kMantissaBits<T>) - 1;
    return float(g.random() & mask) * (1.0f / float(uint32_t(1) << kMantissaBits<T>));
  }
}

// uniform_(from, to): u * (to - from) + from with one rounding (PyTorch's build fuses it), where the
// bounds and their difference are first rounded to T.
template <typename T>
struct UniformSampler {
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  Acc from, range;
  UniformSampler(double lo, double hi) {
    const T f = T(static_cast<Acc>(lo)), t = T(static_cast<Acc>(hi));
    from = static_cast<Acc>(f);
    range = static_cast<Acc>(T(static_cast<Acc>(t) - static_cast<Acc>(f)));
  }
  T operator()(GeneratorImpl& g) const { return T(std::fma(uniform01<T>(g), range, from)); }
};

// The serial Box-Muller sample PyTorch uses below 16 elements and for non-contiguous tensors: two
// 53-bit uniforms give r*cos(theta) now and r*sin(theta) for the next call.
double standard_normal(GeneratorImpl& g) {
  if (g.next_double_normal) {
    const double v = *g.next_double_normal;
    g.next_double_normal.reset();
    return v;
  }
  const double u1 = uniform01<double>(g);
  const double u2 = uniform01<double>(g);
  const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
  const double theta = 2.0 * std::numbers::pi * u1;
  g.next_double_normal = r * std::sin(theta);
  return r * std::cos(theta);
}

// Float natural log and sine/cosine by Cephes' single-precision polynomials, evaluated with the same
// roundings and fused steps as PyTorch's AVX2 randn, so float randn reproduces it exactly.
EMBER_ALWAYS_INLINE float cephes_logf(float x) {
  if (!(x > 0)) return std::numeric_limits<float>::quiet_NaN();
  x = std::max(x, std::numeric_limits<float>::min());  // flush denormals as the vector code does
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  float e = float(int32_t(bits >> 23) - 0x7f) + 1.0f;
  bits = (bits & ~0x7f800000u) | 0x3f000000u;  // mantissa with exponent of 0.5: x in [0.5, 1)
  std::memcpy(&x, &bits, 4);
  if (x < 0.707106781186547524f) {
    e = e - 1.0f;
    x = (x - 1.0f) + x;
  } else {
    x = x - 1.0f;
  }
  const float z = x * x;
  constexpr float p[] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                         -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                         2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};
  float y = p[0];
  for (int i = 1; i < 9; ++i) y = std::fma(y, x, p[i]);
  y = y * x;
  y = std::fma(y, z, e * -2.12194440e-4f);
  y = std::fma(-z, 0.5f, y);
  x = x + y;
  return std::fma(e, 0.693359375f, x);
}

EMBER_ALWAYS_INLINE void cephes_sincosf(float x, float* sin_out, float* cos_out) {
  uint32_t sign_sin;
  std::memcpy(&sign_sin, &x, 4);
  sign_sin &= 0x80000000u;
  x = std::fabs(x);
  // Octant j (rounded up to even) and the remainder x - j * pi/4 in three exact-ish steps.
  int32_t j = int32_t(x * 1.27323954473516f);
  j = (j + 1) & ~1;
  const float y = float(j);
  const uint32_t swap_sin = uint32_t(j & 4) << 29;
  const bool sine_poly_for_sin = (j & 2) == 0;
  x = std::fma(y, -0.78515625f, x);
  x = std::fma(y, -2.4187564849853515625e-4f, x);
  x = std::fma(y, -3.77489497744594108e-8f, x);
  const uint32_t sign_cos = uint32_t(~(j - 2) & 4) << 29;
  sign_sin ^= swap_sin;
  const float z = x * x;
  float c = 2.443315711809948E-005f;
  c = std::fma(c, z, -1.388731625493765E-003f);
  c = std::fma(c, z, 4.166664568298827E-002f);
  c = c * z;
  c = std::fma(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = -1.9515295891E-4f;
  s = std::fma(s, z, 8.3321608736E-3f);
  s = std::fma(s, z, -1.6666654611E-1f);
  s = s * z;
  s = std::fma(s, x, x);
  float sv = sine_poly_for_sin ? s : c, cv = sine_poly_for_sin ? c : s;
  uint32_t b;
  std::memcpy(&b, &sv, 4);
  b ^= sign_sin;
  std::memcpy(sin_out, &b, 4);
  std::memcpy(&b, &cv, 4);
  b ^= sign_cos;
  std::memcpy(cos_out, &b, 4);
}

// Box-Muller over a block of 16 uniforms: pairs (j, j + 8) become two normals in place.
template <typename T>
EMBER_ALWAYS_INLINE void box_muller_16(T* d, double mean_d, double std_d) {
  if constexpr (std::is_same_v<T, float>) {
    const float mean = float(mean_d), std = float(std_d);
    const float two_pi = float(2.0 * std::numbers::pi);
    for (int j = 0; j < 8; ++j) {
      const float radius = std::sqrt(-2.0f * cephes_logf(1.0f - d[j]));
      float s, c;
      cephes_sincosf(two_pi * d[j + 8], &s, &c);
      d[j] = std::fma(radius * c, std, mean);
      d[j + 8] = std::fma(radius * s, std, mean);
    }
  } else if constexpr (std::is_same_v<T, double>) {
    for (int j = 0; j < 8; ++j) {
      const double radius = std::sqrt(-2.0 * std::log(1.0 - d[j]));
      const double theta = 2.0 * std::numbers::pi * d[j + 8];
      d[j] = std::fma(radius * std::cos(theta), std_d, mean_d);
      d[j + 8] = std::fma(radius * std::sin(theta), std_d, mean_d);
    }
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    // bfloat16 rounds after every operation, math functions included (PyTorch overloads them for it).
    const T mean = T(float(mean_d)), std = T(float(std_d));
    auto r = [](float v) { return float(T(v)); };
    for (int j = 0; j < 8; ++j) {
      const float u1 = r(1.0f - float(d[j]));
      const float radius = r(std::sqrt(r(-2.0f * r(std::log(u1)))));
      const float theta = r(float(2.0 * std::numbers::pi * double(float(d[j + 8]))));
      d[j] = T(r(r(radius * r(std::cos(theta))) * float(std)) + float(mean));
      d[j + 8] = T(r(r(radius * r(std::sin(theta))) * float(std)) + float(mean));
    }
  } else {
    // Half rounds after each arithmetic step; its math functions return float.
    const float mean = float(T(float(mean_d))), std = float(T(float(std_d)));
    for (int j = 0; j < 8; ++j) {
      const float u1 = float(T(1.0f - float(d[j])));
      const float radius = float(T(std::sqrt(-2.0f * std::log(u1))));
      const float theta = float(T(float(2.0 * std::numbers::pi * double(float(d[j + 8])))));
      d[j] = T(std::fma(radius * std::cos(theta), std, mean));
      d[j + 8] = T(std::fma(radius * std::sin(theta), std, mean));
    }
  }
}

// Box-Muller over `blocks` consecutive blocks of 16. std::fma is a libm call unless the target has
// FMA, so on x86-64 a copy compiled for FMA runs where the CPU has it (same results either way).
template <typename T>
void box_muller_blocks(T* data, int64_t blocks, double mean, double std) {
  for (int64_t b = 0; b < blocks; ++b) box_muller_16(data + 16 * b, mean, std);
}
#if EMBER_FMA_CLONE
// The float block with 8 lanes at once: the same operations as cephes_logf / cephes_sincosf /
// box_muller_16<float>, one AVX2 instruction per scalar step, so the results are identical.
__attribute__((target("avx2,fma"))) void box_muller_blocks_avx2(float* data, int64_t blocks, float mean, float std) {
  const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  const __m256i exponent_mask = _mm256_set1_epi32(0x7f800000), half_bits = _mm256_set1_epi32(0x3f000000);
  constexpr float log_p[] = {7.0376836292E-2f,  -1.1514610310E-1f, 1.1676998740E-1f,
                             -1.2420140846E-1f, 1.4249322787E-1f,  -1.6668057665E-1f,
                             2.0000714765E-1f,  -2.4999993993E-1f, 3.3333331174E-1f};
  auto log8 = [&](__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(std::numeric_limits<float>::min()));
    const __m256i bits = _mm256_castps_si256(x);
    __m256 e = _mm256_add_ps(
        _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0x7f))), one);
    x = _mm256_castsi256_ps(_mm256_or_si256(_mm256_andnot_si256(exponent_mask, bits), half_bits));
    const __m256 below = _mm256_cmp_ps(x, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
    e = _mm256_sub_ps(e, _mm256_and_ps(below, one));
    x = _mm256_add_ps(_mm256_sub_ps(x, one), _mm256_and_ps(below, x));
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(log_p[0]);
    for (int i = 1; i < 9; ++i) y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(log_p[i]));
    y = _mm256_mul_ps(y, x);
    y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, _mm256_set1_ps(-2.12194440e-4f)));
    y = _mm256_fnmadd_ps(z, half, y);
    x = _mm256_add_ps(x, y);
    return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), x);
  };
  auto sincos8 = [&](__m256 x, __m256* sin_out, __m256* cos_out) {
    const __m256 sign_bit = _mm256_castsi256_ps(_mm256_set1_epi32(int32_t(0x80000000u)));
    __m256 sign_sin = _mm256_and_ps(x, sign_bit);
    x = _mm256_andnot_ps(sign_bit, x);
    __m256i j = _mm256_cvttps_epi32(_mm256_mul_ps(x, _mm256_set1_ps(1.27323954473516f)));
    j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
    const __m256 y = _mm256_cvtepi32_ps(j);
    const __m256 swap_sin = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, _mm256_set1_epi32(4)), 29));
    const __m256 sine_poly_for_sin = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-0.78515625f), x);
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-2.4187564849853515625e-4f), x);
    x = _mm256_fmadd_ps(y, _mm256_set1_ps(-3.77489497744594108e-8f), x);
    const __m256 sign_cos = _mm256_castsi256_ps(_mm256_slli_epi32(
        _mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), _mm256_set1_epi32(4)), 29));
    sign_sin = _mm256_xor_ps(sign_sin, swap_sin);
    const __m256 z = _mm256_mul_ps(x, x);
    __m256 c = _mm256_set1_ps(2.443315711809948E-005f);
    c = _mm256_fmadd_ps(c, z, _mm256_set1_ps(-1.388731625493765E-003f));
    c = _mm256_fmadd_ps(c, z, _mm256_set1_ps(4.166664568298827E-002f));
    c = _mm256_mul_ps(c, z);
    c = _mm256_fmadd_ps(c, z, _mm256_xor_ps(_mm256_mul_ps(z, half), sign_bit));
    c = _mm256_add_ps(c, one);
    __m256 s = _mm256_set1_ps(-1.9515295891E-4f);
    s = _mm256_fmadd_ps(s, z, _mm256_set1_ps(8.3321608736E-3f));
    s = _mm256_fmadd_ps(s, z, _mm256_set1_ps(-1.6666654611E-1f));
    s = _mm256_mul_ps(s, z);
    s = _mm256_fmadd_ps(s, x, x);
    *sin_out = _mm256_xor_ps(_mm256_blendv_ps(c, s, sine_poly_for_sin), sign_sin);
    *cos_out = _mm256_xor_ps(_mm256_blendv_ps(s, c, sine_poly_for_sin), sign_cos);
  };
  const __m256 two_pi = _mm256_set1_ps(float(2.0 * std::numbers::pi)), minus_two = _mm256_set1_ps(-2.0f);
  const __m256 mean_v = _mm256_set1_ps(mean), std_v = _mm256_set1_ps(std);
  for (int64_t b = 0; b < blocks; ++b) {
    float* d = data + 16 * b;
    const __m256 u1 = _mm256_sub_ps(one, _mm256_loadu_ps(d));
    const __m256 u2 = _mm256_loadu_ps(d + 8);
    const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(minus_two, log8(u1)));
    __m256 s, c;
    sincos8(_mm256_mul_ps(two_pi, u2), &s, &c);
    _mm256_storeu_ps(d, _mm256_fmadd_ps(_mm256_mul_ps(radius, c), std_v, mean_v));
    _mm256_storeu_ps(d + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, s), std_v, mean_v));
  }
}
template <>
void box_muller_blocks<float>(float* data, int64_t blocks, double mean, double std) {
  // EMBER_RANDOM_NO_AVX2=1 selects the portable path, to check that both agree.
  static const bool use_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                               std::getenv("EMBER_RANDOM_NO_AVX2") == nullptr;
  if (use_avx2) {
    box_muller_blocks_avx2(data, blocks, float(mean), float(std));
    return;
  }
  for (int64_t b = 0; b < blocks; ++b) box_muller_16(data + 16 * b, mean, std);
}
#endif

// randn's fast layout for contiguous tensors of 16+ elements: n uniforms, Box-Muller over blocks of
// 16, and when n is not a multiple of 16 the last 16 elements are redrawn and transformed again.
template <typename T>
void normal_fill(T* data, int64_t n, double mean, double std, GeneratorImpl& g) {
  for (int64_t i = 0; i < n; ++i) data[i] = T(uniform01<T>(g));
  T tail[16];
  const bool has_tail = n % 16 != 0;
  if (has_tail)
    for (auto& v : tail) v = T(uniform01<T>(g));
  // The transform draws nothing, so blocks may run in parallel without changing any value.
  kernels::cpu::parallel_for(n / 16, 256, [&](int64_t begin, int64_t end) {
    box_muller_blocks(data + 16 * begin, end - begin, mean, std);
  });
  if (has_tail) {
    std::copy(tail, tail + 16, data + n - 16);
    box_muller_blocks(data + n - 16, 1, mean, std);
  }
}

// ---------------------------------------------------------------------------------------------------
// Element order: PyTorch's TensorIterator visits a lone output with its smallest stride innermost
// (memory order for permuted layouts); draws follow that order so each value lands where PyTorch puts it.

// Dims from outermost to innermost, chosen from `layout` strides as TensorIterator orders them.
DimVector iteration_order(IntArrayRef sizes, IntArrayRef layout) {
  const int64_t n = int64_t(sizes.size());
  DimVector perm(static_cast<size_t>(n));  // fastest first
  for (int64_t i = 0; i < n; ++i) perm[size_t(i)] = n - 1 - i;
  // 1: dim0 should be inside dim1; -1: keep; 0: undecided.
  auto should_swap = [&](int64_t d0, int64_t d1) {
    const int64_t s0 = layout[size_t(d0)], s1 = layout[size_t(d1)];
    if (s0 == 0 || s1 == 0) return 0;
    if (s0 != s1) return s0 < s1 ? -1 : 1;
    return sizes[size_t(d0)] > sizes[size_t(d1)] ? 1 : 0;
  };
  for (int64_t i = 1; i < n; ++i) {
    int64_t d1 = i;
    for (int64_t d0 = i - 1; d0 >= 0; --d0) {
      const int c = should_swap(perm[size_t(d0)], perm[size_t(d1)]);
      if (c > 0) {
        std::swap(perm[size_t(d0)], perm[size_t(d1)]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  std::reverse(perm.begin(), perm.end());
  return perm;
}

// Calls fn(offset_a, offset_b) for every element, in the order `layout` strides give; offsets are in
// elements of tensors with strides `a` and `b` over the same sizes.
template <typename F>
void for_each_element(IntArrayRef sizes, IntArrayRef layout, IntArrayRef a, IntArrayRef b, F&& fn) {
  for (int64_t s : sizes)
    if (s == 0) return;
  const DimVector order = iteration_order(sizes, layout);
  const size_t nd = order.size();
  if (nd == 0) {
    fn(int64_t(0), int64_t(0));
    return;
  }
  DimVector index(nd, 0);
  const int64_t inner = order[nd - 1];
  const int64_t inner_size = sizes[size_t(inner)], inner_a = a[size_t(inner)], inner_b = b[size_t(inner)];
  int64_t off_a = 0, off_b = 0;
  for (;;) {
    for (int64_t i = 0; i < inner_size; ++i) fn(off_a + i * inner_a, off_b + i * inner_b);
    // Advance the odometer over the outer dims.
    size_t k = nd - 1;
    for (;;) {
      if (k == 0) return;
      --k;
      const int64_t d = order[k];
      off_a += a[size_t(d)];
      off_b += b[size_t(d)];
      if (++index[k] < sizes[size_t(d)]) break;
      off_a -= a[size_t(d)] * sizes[size_t(d)];
      off_b -= b[size_t(d)] * sizes[size_t(d)];
      index[k] = 0;
    }
  }
}

// Fills `self` in place, one generated value per element in TensorIterator order.
template <typename T, typename Gen>
void fill_serial(const Tensor& self, Gen&& gen) {
  T* data = static_cast<T*>(self.data_ptr());
  for_each_element(self.sizes(), self.strides(), self.strides(), self.strides(),
                   [&](int64_t off, int64_t) { data[off] = gen(); });
}

// ---------------------------------------------------------------------------------------------------
// Argument checks shared by the ops.

void check_floating(std::string_view op, ScalarType dtype, std::string_view hint) {
  EMBER_CHECK(is_floating_point(dtype), "[{}] expected a floating point dtype (float16, bfloat16, float32 or float64), "
              "got {}. {}", op, python_name(dtype), hint);
}

// In-place random fills write every element once: an expanded target would alias elements.
void check_writable(std::string_view op, const Tensor& self) {
  detail::check_cpu(op, self);
  for (int64_t d = 0; d < self.dim(); ++d)
    EMBER_CHECK(self.strides()[size_t(d)] != 0 || self.sizes()[size_t(d)] <= 1,
                "[{}] unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location (it was expanded). Please clone() the tensor before performing the operation.",
                op);
}

void check_std(std::string_view op, double std) {
  EMBER_CHECK(std >= 0.0, "[{}] normal expects std >= 0.0, but found std {}. Pass a non-negative standard deviation.",
              op, std);
}

// The largest finite value of a floating dtype (bfloat16 shares float's exponent range).
template <typename T>
constexpr double max_finite() {
  if constexpr (std::is_same_v<T, Half>) return 65504.0;
  else if constexpr (std::is_same_v<T, BFloat16>) return 3.3895313892515355e38;
  else return double(std::numeric_limits<T>::max());
}

// The values random_ may produce in a dtype: its whole range for integers, the finite range for
// floating types (PyTorch only warns past 2^mantissa bits, where not every integer is representable).
std::pair<double, double> random_range(ScalarType dtype) {
  return visit_dtype(dtype, [&]<typename T>() -> std::pair<double, double> {
    if constexpr (std::is_same_v<T, bool>) return {0, 1};
    else if constexpr (std::is_integral_v<T>) return {double(std::numeric_limits<T>::lowest()), double(std::numeric_limits<T>::max())};
    else return {-max_finite<T>(), max_finite<T>()};
  });
}

// The largest n such that 0..n-1 are all exactly representable in dtype (randperm's limit).
double exact_integer_limit(ScalarType dtype) {
  return visit_dtype(dtype, [&]<typename T>() -> double {
    if constexpr (std::is_same_v<T, bool>) return 1;
    else if constexpr (std::is_integral_v<T>) return double(std::numeric_limits<T>::max());
    else return std::ldexp(1.0, kMantissaBits<T>);
  });
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// The fills, shared by the in-place ops and the factories (the caller has checked the arguments).

namespace {

// uniform_(from, to) on a floating tensor.
void uniform_fill(const Tensor& self, double from, double to, GeneratorImpl& g) {
  visit_dtype(self.dtype(), [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) {
      const UniformSampler<T> sample(from, to);
      std::lock_guard<std::mutex> lock(g.mutex);
      fill_serial<T>(self, [&] { return sample(g); });
    }
  });
}

// normal_(mean, std) on a floating tensor: PyTorch's vectorised layout for 16+ contiguous elements.
void normal_fill_tensor(const Tensor& self, double mean, double std, GeneratorImpl& g) {
  visit_dtype(self.dtype(), [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) {
      std::lock_guard<std::mutex> lock(g.mutex);
      if (self.numel() >= 16 && self.is_contiguous()) {
        normal_fill<T>(static_cast<T*>(self.data_ptr()), self.numel(), mean, std, g);
      } else {
        fill_serial<T>(self, [&] { return cast_to<T>(std::fma(standard_normal(g), std, mean)); });
      }
    }
  });
}

void bernoulli_fill(const Tensor& self, double p, GeneratorImpl& g) {
  visit_dtype(self.dtype(), [&]<typename T>() {
    std::lock_guard<std::mutex> lock(g.mutex);
    fill_serial<T>(self, [&] { return cast_to<T>(uniform01<double>(g) < p ? 1 : 0); });
  });
}

// The spacing of T's values around |v| (1 below 2^digits).
template <typename T>
int64_t spacing_near(int64_t v) {
  const uint64_t magnitude = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  const int top_bit = magnitude == 0 ? 0 : 63 - __builtin_clzll(magnitude);
  return int64_t(1) << std::max(0, top_bit - kMantissaBits<T> + 1);
}

// For floating T, PyTorch narrows [from, to) so that every drawn integer, once rounded to T, stays
// inside it: a bound whose neighbour rounds across it moves by T's spacing there.
template <typename T>
void narrow_to_representable(int64_t& from, int64_t& to) {
  const int64_t from_plus_1 = cast_to<int64_t>(T(float(from + 1)));
  if constexpr (std::is_same_v<T, double>) {
    const int64_t f1 = cast_to<int64_t>(double(from + 1)), t1 = cast_to<int64_t>(double(to - 1));
    if (f1 < from) from = f1 + spacing_near<T>(from + 1);
    if (t1 >= to) to = t1 - spacing_near<T>(to - 1);
    return;
  }
  const int64_t to_minus_1 = cast_to<int64_t>(T(float(to - 1)));
  if (from_plus_1 < from) from = from_plus_1 + spacing_near<T>(from + 1);
  if (to_minus_1 >= to) to = to_minus_1 - spacing_near<T>(to - 1);
}
// [from, to) for random_ on dtype, checked and (for floating types) narrowed to what the dtype represents.
std::pair<int64_t, int64_t> random_bounds(ScalarType dtype, int64_t from, int64_t to) {
  EMBER_CHECK(from < to, "[random_] expects 'from' to be less than 'to', but got from={} >= to={}", from, to);
  visit_dtype(dtype, [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) {
      narrow_to_representable<T>(from, to);
      EMBER_CHECK(from < to, "[random_] expects 'from' rounded to {} to be less than 'to' rounded to {}, but got "
                  "from={} >= to={}. Widen the range or use float64.", python_name(dtype), python_name(dtype),
                  from, to);
    }
  });
  const auto [lo, hi] = random_range(dtype);
  EMBER_CHECK(double(from) >= lo && double(from) <= hi, "[random_] from={} is out of bounds for {} (range [{}, {}]).",
              from, python_name(dtype), lo, hi);
  // to - 1 cannot overflow: from < to, so to > INT64_MIN.
  EMBER_CHECK(double(to - 1) >= lo && double(to - 1) <= hi,
              "[random_] to - 1 = {} is out of bounds for {} (range [{}, {}]). Lower 'to' or use a wider dtype.", to - 1,
              python_name(dtype), lo, hi);
  return {from, to};
}

void random_fill(const Tensor& self, int64_t from, int64_t to, GeneratorImpl& g) {
  std::tie(from, to) = random_bounds(self.dtype(), from, to);
  const uint64_t range = uint64_t(to) - uint64_t(from);
  visit_dtype(self.dtype(), [&]<typename T>() {
    // 64-bit draws only for ranges past 2^32 on types that can hold them, as PyTorch does.
    constexpr bool wide = std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, float> ||
                          std::is_same_v<T, BFloat16>;
    const bool use64 = wide && range >= (uint64_t(1) << 32);
    std::lock_guard<std::mutex> lock(g.mutex);
    fill_serial<T>(self, [&] {
      const uint64_t r = use64 ? g.random64() : uint64_t(g.random());
      return cast_to<T>(int64_t(r % range + uint64_t(from)));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The random ops. Attrs carry the generator (None: the default one at the time the op runs); the
// factories' attrs end with {generator, dtype, device}. Each op draws exactly what the function it
// replaces drew, in the same order.

void self_meta(const Tensor& self, MetaOutputs& out) {
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

// uniform_: inputs {self}, attrs {from, to, generator}.
void uniform_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const double from = call.double_attr(0), to = call.double_attr(1);
  check_writable("uniform_", self);
  check_floating("uniform_", self.dtype(), "uniform_ fills with real numbers; use random_ for integer tensors.");
  visit_dtype(self.dtype(), [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) {
      const double max = max_finite<T>(), lowest = -max;
      EMBER_CHECK(from >= lowest && from <= max, "[uniform_] from={} is out of bounds for {}", from,
                  python_name(self.dtype()));
      EMBER_CHECK(to >= lowest && to <= max, "[uniform_] to={} is out of bounds for {}", to, python_name(self.dtype()));
      EMBER_CHECK(from <= to, "[uniform_] expects to return a [from, to) range, but found from={} > to={}. Swap them.",
                  from, to);
      EMBER_CHECK(to - from <= max,
                  "[uniform_] expects to-from <= the largest {} ({}), but found to={} and from={}; narrow the range.",
                  python_name(self.dtype()), max, to, from);
    }
  });
  self_meta(self, out);
}

void uniform_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  uniform_fill(outputs[0], call.double_attr(0), call.double_attr(1), pick(call.generator_attr(2)));
}

// normal_: inputs {self}, attrs {mean, std, generator}.
void normal__meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  check_writable("normal_", self);
  check_floating("normal_", self.dtype(), "normal_ fills with real numbers; convert the tensor with .to(kFloat) first.");
  check_std("normal_", call.double_attr(1));
  self_meta(self, out);
}

void normal__kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  normal_fill_tensor(outputs[0], call.double_attr(0), call.double_attr(1), pick(call.generator_attr(2)));
}

// bernoulli_.float: inputs {self}, attrs {p, generator}.
void bernoulli__meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const double p = call.double_attr(0);
  check_writable("bernoulli_", self);
  EMBER_CHECK(p >= 0 && p <= 1, "[bernoulli_] expects p to be in [0, 1], but got p={}", p);
  self_meta(self, out);
}

void bernoulli__kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  bernoulli_fill(outputs[0], call.double_attr(0), pick(call.generator_attr(1)));
}

// random_.from: inputs {self}, attrs {from, to, generator}.
void random__meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  check_writable("random_", self);
  random_bounds(self.dtype(), call.int_attr(0), call.int_attr(1));
  self_meta(self, out);
}

void random__kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  random_fill(outputs[0], call.int_attr(0), call.int_attr(1), pick(call.generator_attr(2)));
}

ScalarType floating_dtype(std::string_view op, ScalarType dtype) {
  check_floating(op, dtype, "Pass a floating dtype, e.g. TensorOptions(kFloat).");
  return dtype;
}

// rand.generator and randn.generator: attrs {size, generator, dtype, device}.
template <bool kNormal>
void standard_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const char* op = kNormal ? "randn" : "rand";
  detail::check_sizes(op, call.ints_attr(0));
  out.push_back({DimVector(call.ints_attr(0)), {}, 0, floating_dtype(op, call.dtype_attr(2)), call.device_attr(3)});
}

void rand_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  uniform_fill(outputs[0], 0, 1, pick(call.generator_attr(1)));
}

void randn_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  normal_fill_tensor(outputs[0], 0, 1, pick(call.generator_attr(1)));
}

// randint.low_generator: attrs {low, high, size, generator, dtype, device}.
void randint_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const int64_t low = call.int_attr(0), high = call.int_attr(1);
  detail::check_sizes("randint", call.ints_attr(2));
  EMBER_CHECK(low < high, "[randint] expects 'low' to be less than 'high', but got low={} >= high={}", low, high);
  random_bounds(call.dtype_attr(4), low, high);
  out.push_back({DimVector(call.ints_attr(2)), {}, 0, call.dtype_attr(4), call.device_attr(5)});
}

void randint_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  random_fill(outputs[0], call.int_attr(0), call.int_attr(1), pick(call.generator_attr(3)));
}

// randperm.generator: attrs {n, generator, dtype, device}.
void randperm_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const int64_t n = call.int_attr(0);
  const ScalarType dtype = call.dtype_attr(2);
  EMBER_CHECK(n >= 0, "[randperm] n must be non-negative, got {}", n);
  EMBER_CHECK(dtype != kBool, "[randperm] is not implemented for bool; use an integer or floating dtype.");
  if (n > 0) {
    const double hi = exact_integer_limit(dtype);
    EMBER_CHECK(double(n - 1) <= hi,
                "[randperm] n={} is too large for {}: its values 0..{} must be exactly representable (at most {}). "
                "Use a wider dtype such as kLong.",
                n, python_name(dtype), n - 1, int64_t(hi));
  }
  out.push_back({{n}, {}, 0, dtype, call.device_attr(3)});
}

void randperm_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& t = outputs[0];
  const int64_t n = t.numel();
  GeneratorImpl& g = pick(call.generator_attr(1));
  visit_dtype(t.dtype(), [&]<typename T>() {
    T* r = static_cast<T*>(t.data_ptr());
    std::lock_guard<std::mutex> lock(g.mutex);
    // Fisher-Yates with 32-bit draws: position i swaps with i + random() % (n - i). PyTorch 1.13
    // does this for every n (its modulus bias only shows for n near 2^32).
    for (int64_t i = 0; i < n; ++i) r[i] = cast_to<T>(i);
    for (int64_t i = 0; i + 1 < n; ++i) {
      const int64_t z = int64_t(g.random() % uint64_t(n - i));
      std::swap(r[i], r[z + i]);
    }
  });
}

// ---- normal with tensor parameters: contiguous standard normals of the broadcast shape, then * std + mean,
// as PyTorch computes them (separate roundings in the output dtype).

void check_std_values(const Tensor& std) {
  const Tensor s = std.to(kDouble).contiguous();
  const double* p = s.data_ptr<double>();
  for (int64_t i = 0; i < s.numel(); ++i)
    EMBER_CHECK(p[i] >= 0.0, "[normal] normal expects all elements of std >= 0.0, found {} at flat index {}.", p[i], i);
}

// normal.float_float: attrs {mean, std, size, generator, dtype, device}.
void normal_float_float_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  detail::check_sizes("normal", call.ints_attr(2));
  const ScalarType dtype = floating_dtype("normal", call.dtype_attr(4));
  check_std("normal", call.double_attr(1));
  out.push_back({DimVector(call.ints_attr(2)), {}, 0, dtype, call.device_attr(5)});
}

void normal_float_float_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  normal_fill_tensor(outputs[0], call.double_attr(0), call.double_attr(1), pick(call.generator_attr(3)));
}

// normal.Tensor_Tensor: inputs {mean, std}, attrs {generator}.
void normal_tensor_tensor_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor &mean = call.input(0), &std = call.input(1);
  detail::check_cpu("normal", mean);
  check_floating("normal", mean.dtype(), "Convert mean with .to(kFloat) first.");
  detail::check_cpu("normal", std);
  out.push_back({detail::broadcast_shape("normal", mean.sizes(), std.sizes()), {}, 0, mean.dtype(), mean.device()});
}

// The kernels below finish with ember ops on their fresh output; no gradient flows through those
// (the op's own Derivative gives the parameters zero gradients, as PyTorch does).
void normal_tensor_tensor_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  check_std_values(call.input(1));
  Tensor& out = outputs[0];
  normal_fill_tensor(out, 0, 1, pick(call.generator_attr(0)));
  out.mul_(call.input(1));
  out.add_(call.input(0));
}

// normal.Tensor_float: inputs {mean}, attrs {std, generator}.
void normal_tensor_float_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& mean = call.input(0);
  detail::check_cpu("normal", mean);
  check_floating("normal", mean.dtype(), "Convert mean with .to(kFloat) first.");
  check_std("normal", call.double_attr(0));
  self_meta(mean, out);
}

void normal_tensor_float_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  Tensor& out = outputs[0];
  normal_fill_tensor(out, 0, call.double_attr(0), pick(call.generator_attr(1)));
  out.add_(call.input(0));
}

// normal.float_Tensor: inputs {std}, attrs {mean, generator}.
void normal_float_tensor_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& std = call.input(0);
  detail::check_cpu("normal", std);
  check_floating("normal", std.dtype(), "Convert std with .to(kFloat) first.");
  self_meta(std, out);
}

void normal_float_tensor_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  check_std_values(call.input(0));
  Tensor& out = outputs[0];
  normal_fill_tensor(out, 0, 1, pick(call.generator_attr(1)));
  out.mul_(call.input(0));
  out.add_(call.double_attr(0));
}

// ---- bernoulli with a probability tensor: one uniform per element (53-bit for double p, 24-bit otherwise).
// bernoulli: inputs {p}, attrs {generator}.
void bernoulli_tensor_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& p = call.input(0);
  detail::check_cpu("bernoulli", p);
  check_floating("bernoulli", p.dtype(), "p holds probabilities; convert it with .to(kFloat) first.");
  // PyTorch allocates the result contiguous, so draws follow p's logical (row-major) order.
  self_meta(p, out);
}

void bernoulli_tensor_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  const Tensor& p = call.input(0);
  Tensor& out = outputs[0];
  const Tensor pd = p.to(kDouble);
  {
    const Tensor c = pd.contiguous();
    const double* v = c.data_ptr<double>();
    for (int64_t i = 0; i < c.numel(); ++i)
      EMBER_CHECK(v[i] >= 0 && v[i] <= 1, "[bernoulli] expects all probabilities in [0, 1], but found p={} at flat "
                  "index {}.", v[i], i);
  }
  GeneratorImpl& g = pick(call.generator_attr(0));
  const double* pv = static_cast<const double*>(pd.data_ptr());
  const bool wide = p.dtype() == kDouble;
  visit_dtype(out.dtype(), [&]<typename T>() {
    T* o = static_cast<T*>(out.data_ptr());
    std::lock_guard<std::mutex> lock(g.mutex);
    for_each_element(out.sizes(), out.strides(), out.strides(), pd.strides(), [&](int64_t oo, int64_t po) {
      const bool hit = wide ? uniform01<double>(g) < pv[po] : uniform01<float>(g) < float(pv[po]);
      o[oo] = cast_to<T>(hit ? 1 : 0);
    });
  });
}

// ---- multinomial: inputs {self}, attrs {num_samples, replacement, generator}.

// Without replacement: argmax / top-k of p / q with q ~ Exp(1), the
// exponential-race form of sampling without replacement that PyTorch uses.
template <typename T>
void multinomial_race(const Tensor& probs, Tensor& out, int64_t rows, int64_t cats, int64_t samples,
                      GeneratorImpl& g) {
  const Tensor pc = probs.contiguous();
  const T* p = pc.data_ptr<T>();
  std::vector<T> score(size_t(rows * cats));
  {
    // Exponentials are drawn in the element order of probs' layout.
    std::lock_guard<std::mutex> lock(g.mutex);
    const DimVector rowmajor = detail::contiguous_strides(probs.sizes());
    for_each_element(probs.sizes(), probs.strides(), rowmajor, rowmajor, [&](int64_t off, int64_t) {
      score[size_t(off)] = cast_to<T>(-1.0 * std::log(1.0 - uniform01<double>(g)));
    });
  }
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  for (size_t i = 0; i < score.size(); ++i) score[i] = T(Acc(p[i]) / Acc(score[i]));
  // NaN counts as the largest score, as in argmax/topk.
  auto greater = [](Acc a, Acc b) { return (std::isnan(a) && !std::isnan(b)) || a > b; };
  int64_t* o = out.data_ptr<int64_t>();
  std::vector<int64_t> index(static_cast<size_t>(cats));
  for (int64_t r = 0; r < rows; ++r) {
    const T* s = score.data() + r * cats;
    for (int64_t j = 0; j < cats; ++j) index[size_t(j)] = j;
    std::stable_sort(index.begin(), index.end(), [&](int64_t a, int64_t b) { return greater(Acc(s[a]), Acc(s[b])); });
    for (int64_t k = 0; k < samples; ++k) o[r * samples + k] = index[size_t(k)];
  }
}

// With replacement: a normalised running sum per row and a binary search per 53-bit uniform.
template <typename T>
void multinomial_cumulative(const Tensor& probs, Tensor& out, int64_t rows, int64_t cats, int64_t samples,
                            GeneratorImpl& g) {
  const Tensor pc = probs.contiguous();
  const T* p = pc.data_ptr<T>();
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  std::vector<Acc> cumulative(static_cast<size_t>(cats));
  int64_t* o = out.data_ptr<int64_t>();
  std::lock_guard<std::mutex> lock(g.mutex);
  for (int64_t r = 0; r < rows; ++r) {
    // The running sum rounds to T at each step, as PyTorch keeps it in a T tensor.
    T sum = T(0);
    for (int64_t j = 0; j < cats; ++j) {
      const Acc v = Acc(p[r * cats + j]);
      EMBER_CHECK(v >= 0, "[multinomial] invalid multinomial distribution (encountering probability entry < 0) in row "
                  "{}, category {}", r, j);
      EMBER_CHECK(std::isfinite(v), "[multinomial] invalid multinomial distribution (encountering probability entry = "
                  "infinity or NaN) in row {}, category {}", r, j);
      sum = T(Acc(sum) + v);
      cumulative[size_t(j)] = Acc(sum);
    }
    EMBER_CHECK(Acc(sum) > 0, "[multinomial] invalid multinomial distribution (sum of probabilities <= 0) in row {}",
                r);
    for (auto& c : cumulative) c = Acc(T(c / Acc(sum)));
    cumulative[size_t(cats - 1)] = 1;
    for (int64_t k = 0; k < samples; ++k) {
      const double u = uniform01<double>(g);
      const auto it = std::lower_bound(cumulative.begin(), cumulative.end(), u,
                                       [](Acc c, double value) { return double(c) < value; });
      o[r * samples + k] = int64_t(it - cumulative.begin());
    }
  }
}

void multinomial_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& probs = call.input(0);
  const int64_t num_samples = call.int_attr(0);
  const bool replacement = call.bool_attr(1);
  detail::check_cpu("multinomial", probs);
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2,
              "[multinomial] prob_dist must be 1 or 2 dim, got {} dims. Pass one distribution or a batch of rows.",
              probs.dim());
  EMBER_CHECK(is_floating_point(probs.dtype()),
              "[multinomial] only supports floating-point dtypes for input, got: {}. Convert with .to(kFloat).",
              to_string(probs.dtype()));
  EMBER_CHECK(num_samples > 0, "[multinomial] cannot sample n_sample <= 0 samples (got {})", num_samples);
  const int64_t cats = probs.size(-1);
  const int64_t rows = probs.dim() == 1 ? 1 : probs.size(0);
  EMBER_CHECK(replacement || num_samples <= cats,
              "[multinomial] cannot sample n_sample > prob_dist.size(-1) samples without replacement (n_sample={}, "
              "categories={}). Pass replacement=true or ask for fewer samples.",
              num_samples, cats);
  EMBER_CHECK(cats <= (int64_t(1) << 24), "[multinomial] number of categories cannot exceed 2^24, got {}", cats);
  EMBER_CHECK(rows == 0 || cats > 0, "[multinomial] invalid multinomial distribution (sum of probabilities <= 0): rows "
              "have no categories");
  const DimVector sizes = probs.dim() == 1 ? DimVector{num_samples} : DimVector{rows, num_samples};
  out.push_back({sizes, {}, 0, kLong, probs.device()});
}

void multinomial_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  const Tensor& probs = call.input(0);
  Tensor& out = outputs[0];
  const int64_t num_samples = call.int_attr(0);
  const bool replacement = call.bool_attr(1);
  const int64_t cats = probs.size(-1);
  const int64_t rows = probs.dim() == 1 ? 1 : probs.size(0);
  if (rows == 0) return;
  GeneratorImpl& g = pick(call.generator_attr(2));
  visit_dtype(probs.dtype(), [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) {
      if (!replacement) {
        const Tensor pd = probs.to(kDouble).contiguous();
        const double* v = pd.data_ptr<double>();
        for (int64_t i = 0; i < pd.numel(); ++i)
          EMBER_CHECK(std::isfinite(v[i]) && v[i] >= 0,
                      "[multinomial] probability tensor contains either `inf`, `nan` or element < 0 (found {} at flat "
                      "index {})", v[i], i);
        for (int64_t r = 0; r < rows; ++r) {
          double sum = 0;
          for (int64_t j = 0; j < cats; ++j) sum += v[r * cats + j];
          EMBER_CHECK(sum > 0, "[multinomial] invalid multinomial distribution (sum of probabilities <= 0) in row {}",
                      r);
        }
        multinomial_race<T>(probs, out, rows, cats, num_samples, g);
      } else {
        multinomial_cumulative<T>(probs, out, rows, cats, num_samples, g);
      }
    }
  });
}

// ---- poisson: Knuth's product of uniforms below rate 10, Hoermann's transformed rejection (PTRS) above.
// Inputs {self}, attrs {generator}.

int64_t sample_poisson(double lambda, GeneratorImpl& g) {
  if (lambda >= 10) {
    const double slam = std::sqrt(lambda), loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double v_r = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const double u = uniform01<double>(g) - 0.5;
      const double v = uniform01<double>(g);
      const double us = 0.5 - std::fabs(u);
      const int64_t k = int64_t(std::floor((2 * a / us + b) * u + lambda + 0.43));
      if (us >= 0.07 && v <= v_r) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
          -lambda + double(k) * loglam - std::lgamma(double(k) + 1))
        return k;
    }
  }
  if (lambda == 0) return 0;
  const double limit = std::exp(-lambda);
  int64_t x = 0;
  double product = 1.0;
  for (;;) {
    product *= uniform01<double>(g);
    if (product <= limit) return x;
    ++x;
  }
}
void poisson_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& rates = call.input(0);
  detail::check_cpu("poisson", rates);
  check_floating("poisson", rates.dtype(), "Rates are real numbers; convert them with .to(kFloat) first.");
  self_meta(rates, out);
}

void poisson_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  NoGradGuard no_grad;
  Tensor& out = outputs[0];
  const Tensor rd = call.input(0).to(kDouble).contiguous();
  const double* r = rd.data_ptr<double>();
  for (int64_t i = 0; i < rd.numel(); ++i)
    EMBER_CHECK(r[i] >= 0, "[poisson] invalid Poisson rate, expected rate to be non-negative, found {} at flat index {}",
                r[i], i);
  GeneratorImpl& g = pick(call.generator_attr(0));
  visit_dtype(out.dtype(), [&]<typename T>() {
    T* o = static_cast<T*>(out.data_ptr());
    std::lock_guard<std::mutex> lock(g.mutex);
    for (int64_t i = 0; i < rd.numel(); ++i) o[i] = cast_to<T>(double(sample_poisson(r[i], g)));
  });
}

// PyTorch's derivative for sampling ops: the samples do not depend differentiably on the tensor
// arguments, so every input that needs a gradient gets zeros.
GradList zero_backward(const GradContext& ctx) {
  GradList grads(ctx.call.inputs.size());
  for (size_t i = 0; i < grads.size(); ++i)
    if (ctx.needs(i)) grads[i] = zeros(ctx.input_sizes(i), ctx.grad().options());
  return grads;
}

constexpr Derivative kZeroGradient{zero_backward, kSaveNone, kSaveNone};

// Extern: the JIT runs the eager kernel where the op stands, never merging, reordering or dropping it
// (is_random: the schemas take a Generator).
const OpDef uniform__def{"uniform_", "(Tensor(a!) self, float from=0, float to=1, *, Generator? generator=None) -> "
                         "Tensor(a!)", OpKind::InPlace, FusionClass::Extern, uniform_meta, uniform_kernel, nullptr,
                         kZeroGradient};
const OpDef normal__def{"normal_", "(Tensor(a!) self, float mean=0, float std=1, *, Generator? generator=None) -> "
                        "Tensor(a!)", OpKind::InPlace, FusionClass::Extern, normal__meta, normal__kernel, nullptr,
                        kZeroGradient};
const OpDef bernoulli__def{"bernoulli_.float",
                           "(Tensor(a!) self, float p=0.5, *, Generator? generator=None) -> Tensor(a!)",
                           OpKind::InPlace, FusionClass::Extern, bernoulli__meta, bernoulli__kernel, nullptr,
                           kZeroGradient};
const OpDef random__def{"random_.from",
                        "(Tensor(a!) self, int from, int to, *, Generator? generator=None) -> Tensor(a!)",
                        OpKind::InPlace, FusionClass::Extern, random__meta, random__kernel, nullptr, kZeroGradient};
const OpDef rand_def{"rand.generator",
                     "(int[] size, *, Generator? generator, ScalarType dtype, Device device) -> Tensor",
                     OpKind::Compute, FusionClass::Extern, standard_meta<false>, rand_kernel, nullptr,
                     kNotDifferentiable};
const OpDef randn_def{"randn.generator",
                      "(int[] size, *, Generator? generator, ScalarType dtype, Device device) -> Tensor",
                      OpKind::Compute, FusionClass::Extern, standard_meta<true>, randn_kernel, nullptr,
                      kNotDifferentiable};
const OpDef randint_def{"randint.low_generator",
                        "(int low, int high, int[] size, *, Generator? generator, ScalarType dtype, Device device) -> "
                        "Tensor",
                        OpKind::Compute, FusionClass::Extern, randint_meta, randint_kernel, nullptr,
                        kNotDifferentiable};
const OpDef randperm_def{"randperm.generator",
                         "(int n, *, Generator? generator, ScalarType dtype, Device device) -> Tensor",
                         OpKind::Compute, FusionClass::Extern, randperm_meta, randperm_kernel, nullptr,
                         kNotDifferentiable};
const OpDef normal_float_float_def{"normal.float_float",
                                   "(float mean, float std, int[] size, *, Generator? generator=None, "
                                   "ScalarType dtype, Device device) -> Tensor",
                                   OpKind::Compute, FusionClass::Extern, normal_float_float_meta,
                                   normal_float_float_kernel, nullptr, kNotDifferentiable};
const OpDef normal_tensor_tensor_def{"normal.Tensor_Tensor",
                                     "(Tensor mean, Tensor std, *, Generator? generator=None) -> Tensor",
                                     OpKind::Compute, FusionClass::Extern, normal_tensor_tensor_meta,
                                     normal_tensor_tensor_kernel, nullptr, kZeroGradient};
const OpDef normal_tensor_float_def{"normal.Tensor_float",
                                    "(Tensor mean, float std=1, *, Generator? generator=None) -> Tensor",
                                    OpKind::Compute, FusionClass::Extern, normal_tensor_float_meta,
                                    normal_tensor_float_kernel, nullptr, kZeroGradient};
const OpDef normal_float_tensor_def{"normal.float_Tensor",
                                    "(float mean, Tensor std, *, Generator? generator=None) -> Tensor",
                                    OpKind::Compute, FusionClass::Extern, normal_float_tensor_meta,
                                    normal_float_tensor_kernel, nullptr, kZeroGradient};
const OpDef bernoulli_def{"bernoulli", "(Tensor self, *, Generator? generator=None) -> Tensor", OpKind::Compute,
                          FusionClass::Extern, bernoulli_tensor_meta, bernoulli_tensor_kernel, nullptr,
                          kZeroGradient};
const OpDef multinomial_def{"multinomial",
                            "(Tensor self, int num_samples, bool replacement=False, *, Generator? generator=None) -> "
                            "Tensor",
                            OpKind::Compute, FusionClass::Extern, multinomial_meta, multinomial_kernel, nullptr,
                            kNotDifferentiable};
const OpDef poisson_def{"poisson", "(Tensor self, Generator? generator=None) -> Tensor", OpKind::Compute,
                        FusionClass::Extern, poisson_meta, poisson_kernel, nullptr, kZeroGradient};

Attr generator_attr(std::optional<Generator> generator) {
  return generator ? Attr(std::move(*generator)) : Attr(std::monostate{});
}

Tensor& fill_in_place(const OpDef& op, Tensor& self, SmallVector<Attr, 4> attrs) {
  OpCall call{{self}, std::move(attrs)};
  dispatch(op, call);
  return self;
}

Tensor run(const OpDef& op, OpCall call) { return dispatch_one(op, call); }

}  // namespace

void register_random_ops(OpRegistry& r) {
  // The order gives the backward nodes PyTorch's names (NormalBackward0 for normal_, 1 to 3 for the tensor
  // overloads of normal, in derivatives.yaml order).
  for (const OpDef* d : {&uniform__def, &normal__def, &normal_tensor_float_def, &normal_float_tensor_def,
                         &normal_tensor_tensor_def, &normal_float_float_def, &bernoulli_def, &bernoulli__def,
                         &random__def, &rand_def, &randn_def, &randint_def, &randperm_def, &multinomial_def,
                         &poisson_def})
    r.add(d);
}

// ---------------------------------------------------------------------------------------------------
// In-place fills.

Tensor& Tensor::uniform_(double from, double to, std::optional<Generator> generator) {
  return fill_in_place(uniform__def, *this, {from, to, generator_attr(std::move(generator))});
}

Tensor& Tensor::normal_(double mean, double std, std::optional<Generator> generator) {
  return fill_in_place(normal__def, *this, {mean, std, generator_attr(std::move(generator))});
}

Tensor& Tensor::bernoulli_(double p, std::optional<Generator> generator) {
  return fill_in_place(bernoulli__def, *this, {p, generator_attr(std::move(generator))});
}

Tensor& Tensor::random_(int64_t from, int64_t to, std::optional<Generator> generator) {
  return fill_in_place(random__def, *this, {from, to, generator_attr(std::move(generator))});
}

// ---------------------------------------------------------------------------------------------------
// Factories. finish_factory (requires_grad, pinned memory) runs after dispatch.

Tensor rand(IntArrayRef size, const TensorOptions& options) { return rand(size, std::nullopt, options); }
Tensor rand(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options) {
  const Tensor t = run(rand_def, {{}, {DimVector(size), generator_attr(std::move(generator)), options.dtype(),
                                       options.device()}});
  return detail::finish_factory(t, options);
}

Tensor randn(IntArrayRef size, const TensorOptions& options) { return randn(size, std::nullopt, options); }
Tensor randn(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options) {
  const Tensor t = run(randn_def, {{}, {DimVector(size), generator_attr(std::move(generator)), options.dtype(),
                                        options.device()}});
  return detail::finish_factory(t, options);
}

Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(0, high, size, std::nullopt, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(low, high, size, std::nullopt, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options) {
  // libtorch's randint defaults to int64, not the default floating dtype.
  const TensorOptions o = options.has_dtype() ? options : options.dtype(kLong);
  const Tensor t = run(randint_def, {{}, {low, high, DimVector(size), generator_attr(std::move(generator)), o.dtype(),
                                          o.device()}});
  return detail::finish_factory(t, o);
}

Tensor randperm(int64_t n, const TensorOptions& options) { return randperm(n, std::nullopt, options); }
Tensor randperm(int64_t n, std::optional<Generator> generator, const TensorOptions& options) {
  const TensorOptions o = options.has_dtype() ? options : options.dtype(kLong);
  const Tensor t = run(randperm_def, {{}, {n, generator_attr(std::move(generator)), o.dtype(), o.device()}});
  return detail::finish_factory(t, o);
}

// The *_like forms compose empty_like with the in-place fills.
Tensor rand_like(const Tensor& t, const TensorOptions& options) {
  Tensor out = empty_like(t, options.requires_grad(false));
  check_floating("rand_like", out.dtype(), "Pass a floating dtype, e.g. TensorOptions(kFloat).");
  out.uniform_(0, 1);
  return detail::finish_factory(out, options);
}

Tensor randn_like(const Tensor& t, const TensorOptions& options) {
  Tensor out = empty_like(t, options.requires_grad(false));
  check_floating("randn_like", out.dtype(), "Pass a floating dtype, e.g. TensorOptions(kFloat).");
  out.normal_(0, 1);
  return detail::finish_factory(out, options);
}

Tensor randint_like(const Tensor& t, int64_t high, const TensorOptions& options) {
  return randint_like(t, 0, high, options);
}
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const TensorOptions& options) {
  EMBER_CHECK(low < high, "[randint_like] expects 'low' to be less than 'high', but got low={} >= high={}", low, high);
  Tensor out = empty_like(t, options.requires_grad(false));
  out.random_(low, high);
  return detail::finish_factory(out, options);
}

Tensor normal(double mean, double std, IntArrayRef size, std::optional<Generator> generator,
              const TensorOptions& options) {
  const Tensor t = run(normal_float_float_def, {{}, {mean, std, DimVector(size), generator_attr(std::move(generator)),
                                                     options.dtype(), options.device()}});
  return detail::finish_factory(t, options);
}

Tensor normal(const Tensor& mean, const Tensor& std, std::optional<Generator> generator) {
  return run(normal_tensor_tensor_def, {{mean, std}, {generator_attr(std::move(generator))}});
}

Tensor normal(const Tensor& mean, double std, std::optional<Generator> generator) {
  return run(normal_tensor_float_def, {{mean}, {std, generator_attr(std::move(generator))}});
}

Tensor normal(double mean, const Tensor& std, std::optional<Generator> generator) {
  return run(normal_float_tensor_def, {{std}, {mean, generator_attr(std::move(generator))}});
}

Tensor bernoulli(const Tensor& p, std::optional<Generator> generator) {
  return run(bernoulli_def, {{p}, {generator_attr(std::move(generator))}});
}

// As PyTorch's: bernoulli_(p) on a fresh contiguous tensor, so the result never requires grad.
Tensor bernoulli(const Tensor& self, double p, std::optional<Generator> generator) {
  detail::check_cpu("bernoulli", self);
  Tensor out = empty(self.sizes(), self.dtype());
  out.bernoulli_(p, std::move(generator));
  return out;
}

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, std::optional<Generator> generator) {
  return run(multinomial_def, {{probs}, {num_samples, replacement, generator_attr(std::move(generator))}});
}

Tensor poisson(const Tensor& rates, std::optional<Generator> generator) {
  return run(poisson_def, {{rates}, {generator_attr(std::move(generator))}});
}

}  // namespace ember
