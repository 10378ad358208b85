// TensorImpl: the state behind a Tensor handle — storage, geometry, dtype, device and autograd meta.
#pragma once

#include <cstdint>
#include <memory>

#include "eager/device.h"
#include "eager/dtype.h"
#include "eager/storage.h"
#include "kernels/small_vector.h"

namespace ember {

class TensorImpl;

// Per-tensor autograd state. The autograd engine derives from it to add grad,
// grad_fn, hooks and view tracking; dispatch only needs to know whether grad is required.
struct AutogradMeta {
  virtual ~AutogradMeta() = default;
  // For a view: whether its base began recording history after the view was taken.
  virtual bool base_requires_grad(const TensorImpl& self) const = 0;
  bool requires_grad = false;
  bool is_view = false;
};

class TensorImpl {
 public:
  TensorImpl(Storage storage, ScalarType dtype, DimVector sizes, DimVector strides, int64_t storage_offset);

  const Storage& storage() const { return storage_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t storage_offset() const { return storage_offset_; }
  int64_t numel() const { return numel_; }
  int64_t dim() const { return int64_t(sizes_.size()); }
  bool is_contiguous() const { return is_contiguous_; }
  void* data() const {
    return static_cast<char*>(storage_->data()) + storage_offset_ * element_size(dtype_);
  }

  // Replaces the geometry (used by in-place view ops such as squeeze_ and as_strided_).
  void set_geometry(DimVector sizes, DimVector strides, int64_t storage_offset);
  // Takes over other's storage, dtype and geometry, keeping this impl's autograd state
  // (libtorch's set_data: how Module::to converts parameters that layers also hold).
  void set_data(const TensorImpl& other);

  AutogradMeta* autograd_meta() const { return autograd_meta_.get(); }
  void set_autograd_meta(std::unique_ptr<AutogradMeta> meta) { autograd_meta_ = std::move(meta); }
  bool requires_grad() const {
    const AutogradMeta* m = autograd_meta_.get();
    return m != nullptr && (m->requires_grad || (m->is_view && m->base_requires_grad(*this)));
  }
  // Created in InferenceMode (views inherit it from their base): autograd refuses to save it.
  bool is_inference() const { return is_inference_; }
  void set_inference(bool inference) { is_inference_ = inference; }

  // Dims marked with ember::mark_dynamic / mark_static (bit d: dim d), read when compiling.
  uint64_t jit_dynamic_dims = 0;
  uint64_t jit_static_dims = 0;

 private:
  void refresh();

  Storage storage_;
  DimVector sizes_;
  DimVector strides_;
  int64_t storage_offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
  bool is_inference_ = false;
  std::unique_ptr<AutogradMeta> autograd_meta_;
};

}  // namespace ember
