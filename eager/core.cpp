// Small core types: dtype names and promotion, Device parsing, Scalar, TensorOptions, storage and TensorImpl.
#include <algorithm>
#include <cmath>
#include <ostream>
#include <random>

#include "eager/allocator.h"
#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/tensor.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"

namespace ember {

namespace detail {
void throw_error(std::string message) { throw Error(message); }
}  // namespace detail

// ---- dtype ----

const char* to_string(ScalarType t) {
  constexpr const char* names[] = {"Bool", "Byte", "Char", "Short", "Int", "Long", "Half", "BFloat16", "Float", "Double"};
  return names[int(t)];
}

const char* python_name(ScalarType t) {
  constexpr const char* names[] = {"bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"};
  return names[int(t)];
}

std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << to_string(t); }

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (a == kBool) return b;
  if (b == kBool) return a;
  const bool af = is_floating_point(a), bf = is_floating_point(b);
  if (af && bf) {
    if ((a == kHalf && b == kBFloat16) || (a == kBFloat16 && b == kHalf)) return kFloat;
    return std::max(a, b);
  }
  if (af) return a;
  if (bf) return b;
  // Both integers: uint8 with int8 needs int16; otherwise the wider one.
  if ((a == kByte && b == kChar) || (a == kChar && b == kByte)) return kShort;
  return std::max(a, b);
}

bool can_cast(ScalarType from, ScalarType to) {
  // Not from a higher category to a lower one: float -> int, int -> bool.
  if (is_floating_point(from) && !is_floating_point(to)) return false;
  if (from != kBool && to == kBool) return false;
  return true;
}

namespace {
std::atomic<ScalarType> g_default_dtype{kFloat};
}

ScalarType get_default_dtype() { return g_default_dtype.load(std::memory_order_relaxed); }

void set_default_dtype(ScalarType t) {
  EMBER_CHECK(is_floating_point(t),
              "[set_default_dtype] only floating-point types are supported as the default type, got {}. "
              "Use kFloat, kDouble, kHalf or kBFloat16.",
              python_name(t));
  g_default_dtype.store(t);
}

// ---- Device ----

Device::Device(DeviceType type, int8_t index) : type_(type), index_(index) {
  EMBER_CHECK(index >= -1, "[Device] Device index must be -1 or non-negative, got {}", int(index));
  EMBER_CHECK(!(type == kCPU && index > 0), "[Device] CPU device index must be -1 or zero, got {}", int(index));
}

Device::Device(const std::string& spec) : type_(kCPU), index_(-1) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (name == "cpu") {
    type_ = kCPU;
  } else if (name == "cuda") {
    type_ = kCUDA;
  } else {
    EMBER_FAIL("[Device] Expected one of cpu, cuda device type at start of device string: '{}'. "
               "Write \"cpu\", \"cuda\" or \"cuda:N\".", spec);
  }
  if (colon != std::string::npos) {
    const std::string digits = spec.substr(colon + 1);
    const bool ok = !digits.empty() && digits.size() <= 3 &&
                    std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                    !(digits.size() > 1 && digits[0] == '0') && std::stoi(digits) <= 127;
    EMBER_CHECK(ok, "[Device] Invalid device string: '{}'. The index after ':' must be a non-negative integer such as \"cuda:1\".", spec);
    index_ = int8_t(std::stoi(digits));
    EMBER_CHECK(!(type_ == kCPU && index_ > 0), "[Device] CPU device index must be -1 or zero, got {}", int(index_));
  }
}

std::string Device::str() const {
  std::string s = type_ == kCPU ? "cpu" : "cuda";
  if (index_ >= 0) s += ":" + std::to_string(index_);
  return s;
}

std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }
std::ostream& operator<<(std::ostream& os, DeviceType t) { return os << (t == kCPU ? "cpu" : "cuda"); }

// ---- Scalar ----

int64_t Scalar::toLong() const {
  return kind_ == Kind::Double ? kernels::cpu::float_to_int64(d_) : i_;
}

Scalar Scalar::operator-() const {
  if (kind_ == Kind::Double) return Scalar(-d_);
  EMBER_CHECK(kind_ != Kind::Bool, "[Scalar] Negation of a bool scalar is not supported.");
  return Scalar(int64_t(0 - uint64_t(i_)));
}

bool Scalar::equal(const Scalar& other) const {
  if (kind_ == Kind::Double || other.kind_ == Kind::Double) return toDouble() == other.toDouble();
  return i_ == other.i_;
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  switch (s.kind()) {
    case Scalar::Kind::Bool: return os << (s.toBool() ? "true" : "false");
    case Scalar::Kind::Int: return os << s.toLong();
    case Scalar::Kind::Double: return os << s.toDouble();
  }
  return os;
}

// ---- TensorOptions ----

TensorOptions TensorOptions::merged_with(const TensorOptions& other) const {
  TensorOptions r = *this;
  if (other.dtype_) r.dtype_ = other.dtype_;
  if (other.device_) r.device_ = other.device_;
  if (other.requires_grad_) r.requires_grad_ = other.requires_grad_;
  if (other.pinned_memory_) r.pinned_memory_ = other.pinned_memory_;
  return r;
}

// ---- storage ----

StorageImpl::StorageImpl(size_t nbytes, Device device)
    : data_(nullptr), nbytes_(nbytes), device_(device), owned_(true) {
  EMBER_CHECK(device.is_cpu(),
              "[storage] Cannot allocate memory on {}: this build of ember has no CUDA backend or no CUDA "
              "device is available. Use Device(\"cpu\") instead.",
              device.str());
  data_ = cpu_allocator::allocate(nbytes);
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)), owned_(false) {}

StorageImpl::~StorageImpl() {
  if (owned_) cpu_allocator::deallocate(data_, nbytes_);
  else if (deleter_) deleter_(data_);
}

// ---- TensorImpl ----

TensorImpl::TensorImpl(Storage storage, ScalarType dtype, DimVector sizes, DimVector strides, int64_t storage_offset)
    : storage_(std::move(storage)), sizes_(std::move(sizes)), strides_(std::move(strides)),
      storage_offset_(storage_offset), dtype_(dtype), is_inference_(InferenceMode::is_enabled()) {
  refresh();
}

void TensorImpl::set_geometry(DimVector sizes, DimVector strides, int64_t storage_offset) {
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  storage_offset_ = storage_offset;
  refresh();
}

void TensorImpl::set_data(const TensorImpl& other) {
  storage_ = other.storage_;
  dtype_ = other.dtype_;
  sizes_ = other.sizes_;
  strides_ = other.strides_;
  storage_offset_ = other.storage_offset_;
  refresh();
}

void TensorImpl::refresh() {
  numel_ = detail::product(sizes_);
  is_contiguous_ = detail::is_contiguous_geometry(sizes_, strides_);
}

}  // namespace ember
