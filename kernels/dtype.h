// Element types shared by every layer: the ScalarType enum, 16-bit float types and dtype dispatch.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ember {

enum class ScalarType : int8_t {
  Bool, Byte, Char, Short, Int, Long, Half, BFloat16, Float, Double,
};
inline constexpr int kNumScalarTypes = 10;

// IEEE binary16, stored as bits; arithmetic goes through float.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  Half(float f) : bits(from_float(f)) {}  // NOLINT: implicit like c10::Half
  operator float() const { return to_float(bits); }  // NOLINT

  static uint16_t from_float(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) return uint16_t(sign | 0x7c00u | (x > 0x7f800000u ? 0x200u : 0u));
    if (x >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to >= 65520: inf
    if (x < 0x38800000u) {                                  // subnormal or zero in half
      if (x < 0x33000000u) return uint16_t(sign);           // below half of the smallest subnormal
      const uint32_t mant = (x & 0x7fffffu) | 0x800000u;
      const int shift = 126 - int(x >> 23);  // 14..24
      uint32_t r = mant >> shift;
      const uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      if (rem > half || (rem == half && (r & 1))) ++r;
      return uint16_t(sign | r);
    }
    uint32_t r = ((x >> 13) - (112u << 10));
    const uint32_t rem = x & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) ++r;
    return uint16_t(sign | r);
  }
  static float to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, x;
    if (exp == 0) {
      if (mant == 0) {
        x = sign;
      } else {
        int e = -1;
        do { ++e; mant <<= 1; } while (!(mant & 0x400u));
        x = sign | uint32_t(112 - e) << 23 | (mant & 0x3ffu) << 13;
      }
    } else if (exp == 31) {
      x = sign | 0x7f800000u | mant << 13;
    } else {
      x = sign | (exp + 112) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
};

// bfloat16: the upper half of a float32, rounded to nearest even.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  BFloat16(float f) : bits(from_float(f)) {}  // NOLINT
  operator float() const {  // NOLINT
    uint32_t x = uint32_t(bits) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
  static uint16_t from_float(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);
    return uint16_t(x >> 16);
  }
};

template <typename T> struct CppTypeToScalarType;
#define EMBER_MAP_TYPE(T, S) \
  template <> struct CppTypeToScalarType<T> { static constexpr ScalarType value = ScalarType::S; };
EMBER_MAP_TYPE(bool, Bool)
EMBER_MAP_TYPE(uint8_t, Byte)
EMBER_MAP_TYPE(int8_t, Char)
EMBER_MAP_TYPE(int16_t, Short)
EMBER_MAP_TYPE(int32_t, Int)
EMBER_MAP_TYPE(int64_t, Long)
EMBER_MAP_TYPE(Half, Half)
EMBER_MAP_TYPE(BFloat16, BFloat16)
EMBER_MAP_TYPE(float, Float)
EMBER_MAP_TYPE(double, Double)
#undef EMBER_MAP_TYPE
template <typename T>
inline constexpr ScalarType scalar_type_of = CppTypeToScalarType<std::remove_cv_t<T>>::value;

constexpr int64_t element_size(ScalarType t) {
  constexpr int8_t sizes[] = {1, 1, 1, 2, 4, 8, 2, 2, 4, 8};
  return sizes[int(t)];
}
constexpr bool is_floating_point(ScalarType t) {
  return t == ScalarType::Half || t == ScalarType::BFloat16 || t == ScalarType::Float ||
         t == ScalarType::Double;
}
constexpr bool is_integral(ScalarType t, bool include_bool) {
  return (include_bool && t == ScalarType::Bool) ||
         (t >= ScalarType::Byte && t <= ScalarType::Long);
}

// Calls body.template operator()<T>() with T the C++ type of `t`.
template <typename F>
decltype(auto) visit_dtype(ScalarType t, F&& body) {
  switch (t) {
    case ScalarType::Bool: return body.template operator()<bool>();
    case ScalarType::Byte: return body.template operator()<uint8_t>();
    case ScalarType::Char: return body.template operator()<int8_t>();
    case ScalarType::Short: return body.template operator()<int16_t>();
    case ScalarType::Int: return body.template operator()<int32_t>();
    case ScalarType::Long: return body.template operator()<int64_t>();
    case ScalarType::Half: return body.template operator()<Half>();
    case ScalarType::BFloat16: return body.template operator()<BFloat16>();
    case ScalarType::Float: return body.template operator()<float>();
    case ScalarType::Double: return body.template operator()<double>();
  }
  return body.template operator()<float>();
}

}  // namespace ember
