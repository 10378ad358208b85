// Dtypes with libtorch's names (kFloat, kLong, ...), type promotion and the default dtype.
#pragma once

#include <iosfwd>
#include <string>

#include "kernels/dtype.h"
#include "kernels/error.h"

namespace ember {

using Dtype = ScalarType;

inline constexpr ScalarType kBool = ScalarType::Bool;
inline constexpr ScalarType kUInt8 = ScalarType::Byte;
inline constexpr ScalarType kByte = ScalarType::Byte;
inline constexpr ScalarType kInt8 = ScalarType::Char;
inline constexpr ScalarType kChar = ScalarType::Char;
inline constexpr ScalarType kInt16 = ScalarType::Short;
inline constexpr ScalarType kShort = ScalarType::Short;
inline constexpr ScalarType kInt32 = ScalarType::Int;
inline constexpr ScalarType kInt = ScalarType::Int;
inline constexpr ScalarType kInt64 = ScalarType::Long;
inline constexpr ScalarType kLong = ScalarType::Long;
inline constexpr ScalarType kFloat16 = ScalarType::Half;
inline constexpr ScalarType kHalf = ScalarType::Half;
inline constexpr ScalarType kBFloat16 = ScalarType::BFloat16;
inline constexpr ScalarType kFloat32 = ScalarType::Float;
inline constexpr ScalarType kFloat = ScalarType::Float;
inline constexpr ScalarType kFloat64 = ScalarType::Double;
inline constexpr ScalarType kDouble = ScalarType::Double;

// "Float", as in PyTorch's C++ messages ("expected scalar type Float but found Long").
const char* to_string(ScalarType t);
// "float32", as in Python's torch.float32.
const char* python_name(ScalarType t);
std::ostream& operator<<(std::ostream& os, ScalarType t);

inline bool isFloatingType(ScalarType t) { return is_floating_point(t); }
inline bool isIntegralType(ScalarType t, bool include_bool) { return is_integral(t, include_bool); }
inline int64_t elementSize(ScalarType t) { return element_size(t); }

// The smallest dtype that holds both (torch.promote_types).
ScalarType promote_types(ScalarType a, ScalarType b);
// Whether a value of `from` may be written into `to` by an in-place op (torch.can_cast).
bool can_cast(ScalarType from, ScalarType to);

// Dtype used for floating point results when none is given (torch.get_default_dtype).
ScalarType get_default_dtype();
// Only float16, bfloat16, float32 and float64 are accepted, as in PyTorch.
void set_default_dtype(ScalarType t);

}  // namespace ember
