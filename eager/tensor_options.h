// TensorOptions: dtype, device, requires_grad and pinned memory for factories, with libtorch's helpers.
#pragma once

#include <optional>

#include "eager/device.h"
#include "eager/dtype.h"

namespace ember {

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(ScalarType dtype) : dtype_(dtype) {}  // NOLINT: implicit, as in libtorch
  TensorOptions(Device device) : device_(device) {}   // NOLINT
  TensorOptions(DeviceType type) : device_(Device(type)) {}  // NOLINT
  // String literals only, so that a literal 0 is never taken for a device.
  template <size_t N>
  TensorOptions(const char (&device)[N]) : device_(Device(device)) {}  // NOLINT

  TensorOptions dtype(ScalarType d) const { auto o = *this; o.dtype_ = d; return o; }
  TensorOptions dtype(std::optional<ScalarType> d) const { auto o = *this; o.dtype_ = d; return o; }
  TensorOptions device(Device d) const { auto o = *this; o.device_ = d; return o; }
  TensorOptions requires_grad(bool r) const { auto o = *this; o.requires_grad_ = r; return o; }
  TensorOptions pinned_memory(bool p) const { auto o = *this; o.pinned_memory_ = p; return o; }

  // Resolved values: unset dtype means the default dtype, unset device means cpu.
  ScalarType dtype() const { return dtype_ ? *dtype_ : get_default_dtype(); }
  Device device() const { return device_ ? *device_ : Device(kCPU); }
  bool requires_grad() const { return requires_grad_.value_or(false); }
  bool pinned_memory() const { return pinned_memory_.value_or(false); }

  bool has_dtype() const { return dtype_.has_value(); }
  bool has_device() const { return device_.has_value(); }
  bool has_requires_grad() const { return requires_grad_.has_value(); }
  std::optional<ScalarType> dtype_opt() const { return dtype_; }
  std::optional<Device> device_opt() const { return device_; }

  // Fields set in `other` win.
  TensorOptions merged_with(const TensorOptions& other) const;

 private:
  std::optional<ScalarType> dtype_;
  std::optional<Device> device_;
  std::optional<bool> requires_grad_;
  std::optional<bool> pinned_memory_;
};

inline TensorOptions dtype(ScalarType d) { return TensorOptions().dtype(d); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }
inline TensorOptions pinned_memory(bool p = true) { return TensorOptions().pinned_memory(p); }

}  // namespace ember
