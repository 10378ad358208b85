// Printing tensors exactly as PyTorch's repr does with its default print options (dtype names say "ember.").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "eager/autograd/node.h"
#include "eager/op_registry.h"
#include "eager/tensor.h"
#include "kernels/cpu/cast.h"

namespace ember {
namespace {

// PyTorch's default print options.
constexpr int64_t kThreshold = 1000;  // more elements than this are summarised with "..."
constexpr int64_t kEdgeItems = 3;     // elements kept at each end of a summarised dim
constexpr int64_t kLineWidth = 80;
constexpr int kPrecision = 4;
constexpr std::string_view kPrefix = "tensor(";

// The elements that get printed: each dim keeps all of its indices, or only the first and
// last kEdgeItems when the tensor is summarised and the dim is longer than both ends together.
struct PrintedElements {
  std::vector<std::vector<int64_t>> indices;  // per dim, the kept indices
  std::vector<bool> summarized;               // per dim, whether "..." stands for the gap
  std::vector<double> floats;                 // row-major over the kept indices (floating dtypes)
  std::vector<int64_t> integers;              // the same for integer and bool dtypes
};

PrintedElements gather(const Tensor& t, bool summarize) {
  PrintedElements out;
  const int64_t ndim = t.dim();
  for (int64_t d = 0; d < ndim; ++d) {
    const int64_t n = t.size(d);
    std::vector<int64_t> kept;
    const bool cut = summarize && n > 2 * kEdgeItems;
    if (cut) {
      for (int64_t i = 0; i < kEdgeItems; ++i) kept.push_back(i);
      for (int64_t i = n - kEdgeItems; i < n; ++i) kept.push_back(i);
    } else {
      for (int64_t i = 0; i < n; ++i) kept.push_back(i);
    }
    out.indices.push_back(std::move(kept));
    out.summarized.push_back(cut);
  }

  const ScalarType dtype = t.dtype();
  const bool floating = is_floating_point(dtype);
  const char* base = static_cast<const char*>(t.unsafeGetTensorImpl()->data());  // reported by the caller
  const int64_t item_size = element_size(dtype);
  auto read = [&](int64_t element_offset) {
    const char* p = base + element_offset * item_size;
    visit_dtype(dtype, [&]<typename T>() {
      if constexpr (std::is_same_v<T, bool>) {
        uint8_t byte;  // read as a byte: only 0 and 1 are valid bool objects
        std::memcpy(&byte, p, 1);
        out.integers.push_back(byte != 0);
      } else {
        T value;
        std::memcpy(&value, p, sizeof(T));
        if (floating) out.floats.push_back(kernels::cpu::cast_to<double>(value));
        else out.integers.push_back(kernels::cpu::cast_to<int64_t>(value));
      }
    });
  };

  // Odometer over the kept indices, last dim fastest.
  std::vector<size_t> position(size_t(ndim), 0);
  while (true) {
    int64_t offset = 0;
    for (int64_t d = 0; d < ndim; ++d) offset += out.indices[size_t(d)][position[size_t(d)]] * t.stride(d);
    read(offset);
    int64_t d = ndim - 1;
    for (; d >= 0; --d) {
      if (++position[size_t(d)] < out.indices[size_t(d)].size()) break;
      position[size_t(d)] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

// Chooses one notation and one width for all printed elements, as PyTorch's _Formatter does:
// integer-valued floats print as "1.", others with 4 decimals, and scientific notation when
// the magnitudes span more than 1000x, exceed 1e8 or go below 1e-4.
class Formatter {
 public:
  Formatter(const PrintedElements& elements, ScalarType dtype)
      : floating_(is_floating_point(dtype)), bool_(dtype == kBool) {
    if (!floating_) {
      for (int64_t v : elements.integers) width_ = std::max(width_, int64_t(integer_text(v).size()));
      return;
    }
    std::vector<double> nonzero_finite;
    for (double v : elements.floats)
      if (std::isfinite(v) && v != 0) nonzero_finite.push_back(v);
    if (nonzero_finite.empty()) return;  // zeros, nan and inf only: "0.", "nan", "inf"

    double min_abs = std::fabs(nonzero_finite[0]), max_abs = min_abs;
    for (double v : nonzero_finite) {
      min_abs = std::min(min_abs, std::fabs(v));
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    const bool wide_range = max_abs / min_abs > 1000.0 || max_abs > 1.0e8;
    if (int_mode_) {
      sci_mode_ = wide_range;
    } else {
      sci_mode_ = wide_range || min_abs < 1.0e-4;
    }
    for (double v : nonzero_finite) {
      // In int mode the "." appended to every number counts toward the width.
      const int64_t length = sci_mode_ ? int64_t(scientific(v).size())
                             : int_mode_ ? int64_t(fmt::format("{:.0f}", v).size()) + 1
                                         : int64_t(fixed(v).size());
      width_ = std::max(width_, length);
    }
  }

  int64_t width() const { return width_; }

  std::string format_float(double v) const {
    std::string text;
    if (std::isnan(v)) text = "nan";  // never "-nan": Python prints every NaN as nan
    else if (std::isinf(v)) text = v > 0 ? "inf" : "-inf";
    else if (sci_mode_) text = scientific(v);
    else if (int_mode_) text = fmt::format("{:.0f}.", v);
    else text = fixed(v);
    return pad(std::move(text));
  }

  std::string format_integer(int64_t v) const { return pad(integer_text(v)); }

  bool floating() const { return floating_; }

 private:
  std::string integer_text(int64_t v) const {
    if (bool_) return v ? "True" : "False";
    return std::to_string(v);
  }
  static std::string scientific(double v) { return fmt::format("{:.{}e}", v, kPrecision); }
  static std::string fixed(double v) { return fmt::format("{:.{}f}", v, kPrecision); }
  std::string pad(std::string text) const {
    if (int64_t(text.size()) < width_) text.insert(0, size_t(width_) - text.size(), ' ');
    return text;
  }

  bool floating_;
  bool bool_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int64_t width_ = 1;
};

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

// Lays the formatted elements out as nested brackets: a 1-d row wraps at the line width
// (" ..." counting as one element), and the rows of an n-d block are separated by n-1 newlines.
class Layout {
 public:
  Layout(const PrintedElements& elements, std::vector<std::string> cells, int64_t width)
      : elements_(elements), cells_(std::move(cells)), width_(width) {}

  std::string build(size_t d, int64_t indent) {
    const size_t ndim = elements_.indices.size();
    if (ndim == 0) return cells_[0];
    const size_t count = elements_.indices[d].size();
    std::vector<std::string> parts;
    if (d + 1 == ndim) {
      for (size_t k = 0; k < count; ++k) {
        if (elements_.summarized[d] && k == size_t(kEdgeItems)) parts.push_back(" ...");
        parts.push_back(cells_[next_++]);
      }
      const int64_t element_length = width_ + 2;  // the element and its ", "
      const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / element_length);
      std::vector<std::string> lines;
      for (size_t i = 0; i < parts.size(); i += size_t(per_line)) {
        const size_t end = std::min(parts.size(), i + size_t(per_line));
        lines.push_back(join(std::vector<std::string>(parts.begin() + long(i), parts.begin() + long(end)), ", "));
      }
      return "[" + join(lines, ",\n" + std::string(size_t(indent + 1), ' ')) + "]";
    }
    for (size_t k = 0; k < count; ++k) {
      if (elements_.summarized[d] && k == size_t(kEdgeItems)) parts.push_back("...");
      parts.push_back(build(d + 1, indent + 1));
    }
    const std::string separator = "," + std::string(ndim - d - 1, '\n') + std::string(size_t(indent + 1), ' ');
    return "[" + join(parts, separator) + "]";
  }

 private:
  const PrintedElements& elements_;
  std::vector<std::string> cells_;
  int64_t width_;
  size_t next_ = 0;
};

std::string data_str(const Tensor& t, int64_t indent) {
  // Half and bfloat16 print through float32 in PyTorch; reading them as doubles gives the same digits.
  const PrintedElements elements = gather(t, t.numel() > kThreshold);
  const Formatter formatter(elements, t.dtype());
  std::vector<std::string> cells;
  if (formatter.floating()) {
    for (double v : elements.floats) cells.push_back(formatter.format_float(v));
  } else {
    for (int64_t v : elements.integers) cells.push_back(formatter.format_integer(v));
  }
  Layout layout(elements, std::move(cells), formatter.width());
  return layout.build(0, indent);
}

// Python's str(tuple): "(0, 3)", "(0,)".
std::string python_tuple(IntArrayRef sizes) {
  std::string s = "(";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  if (sizes.size() == 1) s += ",";
  return s + ")";
}

// Appends ", suffix" to the last line, or starts a new indented line when it would pass the line width.
std::string add_suffixes(std::string text, const std::vector<std::string>& suffixes, int64_t indent) {
  const size_t newline = text.rfind('\n');
  // PyTorch's count: two more than the characters after the last newline (or than all of them).
  int64_t last_line_length = int64_t(text.size()) - (newline == std::string::npos ? -1 : int64_t(newline)) + 1;
  for (const std::string& suffix : suffixes) {
    const int64_t length = int64_t(suffix.size());
    if (last_line_length + length + 2 > kLineWidth) {
      text += ",\n" + std::string(size_t(indent), ' ') + suffix;
      last_line_length = indent + length;
    } else {
      text += ", " + suffix;
      last_line_length += length + 2;
    }
  }
  return text + ")";
}

std::string tensor_repr(const Tensor& input) {
  const int64_t indent = int64_t(kPrefix.size());
  std::vector<std::string> suffixes;
  Tensor t = input;
  if (!t.is_cpu()) {
    suffixes.push_back("device='" + t.device().str() + "'");
    t = t.to(Device(kCPU));
  }
  const ScalarType dtype = t.dtype();
  const std::string dtype_suffix = std::string("dtype=ember.") + python_name(dtype);
  std::string body;
  if (t.numel() == 0) {
    // An empty tensor shows its shape unless it is (0,), and any dtype but the default:
    // with no elements there is nothing to tell int64 from float.
    if (t.dim() != 1) suffixes.push_back("size=" + python_tuple(t.sizes()));
    if (dtype != get_default_dtype()) suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    // int64 and bool are recognisable from the elements ("1", "True"), the default dtype from "1.".
    if (dtype != get_default_dtype() && dtype != kLong && dtype != kBool) suffixes.push_back(dtype_suffix);
    body = data_str(t, indent);
  }
  if (const auto& fn = input.grad_fn())
    suffixes.push_back("grad_fn=<" + fn->name() + ">");
  else if (input.requires_grad())
    suffixes.push_back("requires_grad=True");
  return add_suffixes(std::string(kPrefix) + body, suffixes, indent);
}

// Printing reads the data once, reported as "print"; the copy to the CPU it may make belongs to that read.
std::string printed(const Tensor& t, const std::source_location& where) {
  if (!t.defined()) return "[ Tensor (undefined) ]";  // as libtorch prints it
  detail::notify_data_read(t, "print", where);
  DispatchModeGuard untraced(nullptr);
  return tensor_repr(t);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const detail::PrintedTensor& t) { return os << printed(t.tensor, t.where); }

std::string Tensor::toString(std::source_location where) const { return printed(*this, where); }

std::ostream& operator<<(std::ostream& os, IntArrayRef sizes) {
  os << "[";
  for (size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  return os << "]";
}

}  // namespace ember
