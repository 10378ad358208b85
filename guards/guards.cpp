// Guard evaluation: a flat check per call, and the same checks again, in words, when one fails.
#include "guards/guards.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "eager/autograd/grad_mode.h"

namespace ember::jit {

GlobalState GlobalState::current() { return GlobalState{GradMode::is_enabled(), get_default_dtype()}; }

namespace {

std::string scalar_str(const Scalar& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

std::string dims_str(const TensorGuard& g, const std::vector<std::pair<int, int>>& sources) {
  std::string s = "[";
  for (size_t d = 0; d < g.sizes.size(); ++d) {
    if (d > 0) s += ", ";
    s += g.symbols.empty() || g.symbols[d] < 0 ? std::to_string(g.sizes[d]) : "s" + std::to_string(g.symbols[d]);
  }
  return s + "]";
}

const char* relation_name(uint8_t r) {
  return r == 2 ? "the same tensor" : r == 1 ? "one shared storage" : "separate storages";
}

}  // namespace

uint8_t relation(const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined()) return 0;
  if (a.unsafeGetTensorImpl() == b.unsafeGetTensorImpl()) return 2;
  return a.storage().get() == b.storage().get() ? 1 : 0;
}

namespace {

}  // namespace

bool GuardSet::check(const FlatArgs& args) const {
  if (args.scalars.size() != scalars.size() || args.list_lengths.size() != list_lengths.size()) return false;
  if (GradMode::is_enabled() != globals.grad_enabled || get_default_dtype() != globals.default_dtype) return false;
  for (size_t i = 0; i < list_lengths.size(); ++i)
    if (args.list_lengths[i] != list_lengths[i]) return false;
  for (size_t i = 0; i < scalars.size(); ++i)
    if (!args.scalars[i].equal(scalars[i]) || args.scalars[i].kind() != scalars[i].kind()) return false;
  for (const TensorGuard& g : tensors) {
    if (g.arg >= int(args.tensors.size())) return false;
    const TensorImpl* t = g.tensor(args).unsafeGetTensorImpl();
    if (!g.defined) {
      if (t != nullptr) return false;
      continue;
    }
    if (t == nullptr || t->dtype() != g.dtype || t->device() != g.device || t->dim() != int64_t(g.sizes.size()))
      return false;
    const IntArrayRef sizes = t->sizes();
    for (size_t d = 0; d < g.sizes.size(); ++d) {
      const int sym = g.symbols.empty() ? -1 : g.symbols[d];
      if (sym < 0) {
        if (sizes[d] != g.sizes[d]) return false;
      } else {
        const auto [src, src_dim] = symbol_sources[size_t(sym)];
        if (sizes[d] < 2 || sizes[d] != tensors[size_t(src)].tensor(args).sizes()[size_t(src_dim)]) return false;
      }
    }
    if (g.check_strides) {
      const IntArrayRef strides = t->strides();
      for (size_t d = 0; d < g.strides.size(); ++d)
        if (strides[d] != g.strides[d] && sizes[d] > 1) return false;
    } else if (t->is_contiguous() != g.contiguous) {
      return false;
    }
    if (t->requires_grad() != g.requires_grad) return false;
  }
  for (const ValueGuard& v : values)
    if (v.read() != v.expected) return false;
  // Aliasing between arguments must be what it was when traced.
  const size_t n = args.tensors.size();
  if (n > 1) {
    size_t pair = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = i + 1; j < n; ++j, ++pair) {
        const uint8_t expected = relations.empty() ? 0 : relations[pair];
        if (relation(*args.tensors[i], *args.tensors[j]) != expected) return false;
      }
  }
  return true;
}

void GuardSet::failures(const FlatArgs& args, std::vector<std::string>& out, bool stop_at_first,
                        std::optional<std::pair<int, int>>* size_cause) const {
  auto fail = [&](std::string message) {
    out.push_back(std::move(message));
    return stop_at_first;
  };
  if (GradMode::is_enabled() != globals.grad_enabled &&
      fail(fmt::format("grad mode mismatch: expected {}, actual {}", globals.grad_enabled ? "enabled" : "disabled",
                       GradMode::is_enabled() ? "enabled" : "disabled")))
    return;
  if (get_default_dtype() != globals.default_dtype &&
      fail(fmt::format("default dtype mismatch: expected torch.{}, actual torch.{}", python_name(globals.default_dtype),
                       python_name(get_default_dtype()))))
    return;
  for (size_t i = 0; i < list_lengths.size() && i < args.list_lengths.size(); ++i)
    if (args.list_lengths[i] != list_lengths[i] &&
        fail(fmt::format("list '{}' length mismatch: expected {}, actual {}", list_names[i], list_lengths[i],
                         args.list_lengths[i])))
      return;
  for (size_t i = 0; i < scalars.size() && i < args.scalars.size(); ++i) {
    const Scalar& want = scalars[i];
    const Scalar& got = args.scalars[i];
    if ((!got.equal(want) || got.kind() != want.kind()) &&
        fail(fmt::format("scalar '{}' value mismatch: expected {}, actual {}", scalar_names[i],
                         scalar_str(want), scalar_str(got))))
      return;
  }
  for (const TensorGuard& g : tensors) {
    if (g.arg >= int(args.tensors.size())) continue;  // the list guards said why
    const Tensor& tensor = g.tensor(args);
    const char* what = g.arg >= 0 ? "tensor" : "lifted tensor";
    if (!g.defined) {
      if (tensor.defined() &&
          fail(fmt::format("{} '{}' is defined, but the entry was traced with an undefined tensor", what, g.name)))
        return;
      continue;
    }
    if (!tensor.defined()) {
      if (fail(fmt::format("{} '{}' is undefined, but the entry was traced with a defined tensor", what, g.name))) return;
      continue;
    }
    const TensorImpl& t = *tensor.unsafeGetTensorImpl();
    if (t.dtype() != g.dtype &&
        fail(fmt::format("{} '{}' dtype mismatch: expected {}, actual {}", what, g.name, python_name(g.dtype),
                         python_name(t.dtype()))))
      return;
    if (t.device() != g.device &&
        fail(fmt::format("{} '{}' device mismatch: expected {}, actual {}", what, g.name, g.device.str(),
                         t.device().str())))
      return;
    if (t.dim() != int64_t(g.sizes.size())) {
      if (fail(fmt::format("{} '{}' rank mismatch: expected {}, actual {}", what, g.name, g.sizes.size(), t.dim())))
        return;
      continue;
    }
    for (size_t d = 0; d < g.sizes.size(); ++d) {
      const int64_t actual = t.sizes()[d];
      const int sym = g.symbols.empty() ? -1 : g.symbols[d];
      std::string message;
      if (sym < 0) {
        if (actual != g.sizes[d])
          message = fmt::format("{} '{}' size mismatch at dim {}: expected {}, actual {}", what, g.name, d, g.sizes[d], actual);
      } else if (actual < 2) {
        message = fmt::format("{} '{}' size mismatch at dim {}: expected s{} >= 2 (sizes 0 and 1 are specialised), "
                              "actual {}", what, g.name, d, sym, actual);
      } else {
        const auto [src, src_dim] = symbol_sources[size_t(sym)];
        const int64_t want = tensors[size_t(src)].tensor(args).sizes()[size_t(src_dim)];
        if (actual != want)
          message = fmt::format("{} '{}' size mismatch at dim {}: expected s{} (the size of '{}' at dim {}, now {}), "
                                "actual {}", what, g.name, d, sym, tensors[size_t(src)].name, src_dim, want, actual);
      }
      if (!message.empty()) {
        if (size_cause != nullptr && !size_cause->has_value() && g.arg >= 0) *size_cause = std::make_pair(g.arg, int(d));
        if (fail(std::move(message))) return;
      }
    }
    if (g.check_strides) {
      for (size_t d = 0; d < g.strides.size(); ++d)
        if (t.strides()[d] != g.strides[d] && t.sizes()[d] > 1 &&
            fail(fmt::format("{} '{}' stride mismatch at dim {}: expected {}, actual {}", what, g.name, d, g.strides[d],
                             t.strides()[d])))
          return;
    } else if (t.is_contiguous() != g.contiguous &&
               fail(fmt::format("{} '{}' contiguity mismatch: expected {}, actual {}", what, g.name,
                                g.contiguous ? "contiguous" : "non-contiguous",
                                t.is_contiguous() ? "contiguous" : "non-contiguous"))) {
      return;
    }
    if (t.requires_grad() != g.requires_grad &&
        fail(fmt::format("{} '{}' requires_grad mismatch: expected {}, actual {}", what, g.name,
                         py_bool(g.requires_grad), py_bool(t.requires_grad()))))
      return;
  }
  for (const ValueGuard& v : values) {
    const int64_t actual = v.read();
    if (actual != v.expected && fail(v.explain(v.expected, actual))) return;
  }
  const size_t n = args.tensors.size();
  auto arg_name = [&](size_t i) {
    for (const TensorGuard& g : tensors)
      if (g.arg == int(i)) return g.name;
    return fmt::format("argument {}", i);
  };
  size_t pair = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j, ++pair) {
      const uint8_t expected = relations.empty() ? 0 : relations[pair];
      const uint8_t actual = relation(*args.tensors[i], *args.tensors[j]);
      if (expected != actual &&
          fail(fmt::format("tensors '{}' and '{}' aliasing mismatch: expected {}, actual {}", arg_name(i), arg_name(j),
                           relation_name(expected), relation_name(actual))))
        return;
    }
}

std::optional<std::string> GuardSet::first_failure(const FlatArgs& args) const {
  std::vector<std::string> out;
  failures(args, out, true, nullptr);
  if (out.empty()) return std::nullopt;
  return out.front();
}

std::vector<std::string> GuardSet::all_failures(const FlatArgs& args) const {
  std::vector<std::string> out;
  failures(args, out, false, nullptr);
  return out;
}

std::optional<std::pair<int, int>> GuardSet::size_failure(const FlatArgs& args) const {
  std::vector<std::string> out;
  std::optional<std::pair<int, int>> cause;
  failures(args, out, false, &cause);
  return cause;
}

size_t GuardSet::count() const {
  return tensors.size() + scalars.size() + list_lengths.size() + values.size() + 2 + (relations.empty() ? 0 : 1);
}

std::vector<std::string> GuardSet::describe() const {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("grad mode: {}", globals.grad_enabled ? "enabled" : "disabled"));
  lines.push_back(fmt::format("default dtype: torch.{}", python_name(globals.default_dtype)));
  for (size_t i = 0; i < list_lengths.size(); ++i)
    lines.push_back(fmt::format("list '{}': length {}", list_names[i], list_lengths[i]));
  for (size_t i = 0; i < scalars.size(); ++i)
    lines.push_back(fmt::format("scalar '{}': == {}", scalar_names[i], scalar_str(scalars[i])));
  for (const TensorGuard& g : tensors) {
    std::string strides;
    if (!g.check_strides) {
      strides = g.contiguous ? "contiguous" : "non-contiguous";
    } else {
      strides = "[";
      for (size_t d = 0; d < g.strides.size(); ++d) strides += (d ? ", " : "") + std::to_string(g.strides[d]);
      strides += "]";
    }
    lines.push_back(fmt::format("{} '{}': {} {} sizes {} strides {} requires_grad={}", g.arg >= 0 ? "tensor" : "lifted tensor",
                                g.name, python_name(g.dtype), g.device.str(), dims_str(g, symbol_sources), strides,
                                py_bool(g.requires_grad)));
  }
  for (size_t s = 0; s < symbol_sources.size(); ++s) {
    const auto [src, dim] = symbol_sources[s];
    lines.push_back(fmt::format("symbol s{}: the size of '{}' at dim {}, >= 2", s, tensors[size_t(src)].name, dim));
  }
  for (const ValueGuard& v : values) lines.push_back(fmt::format("{}: == {}", v.name, v.expected));
  // Argument guards come first, one per flat tensor argument, so pairs number as in check().
  size_t n = 0;
  while (n < tensors.size() && tensors[n].arg == int(n)) ++n;
  size_t pair = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j, ++pair)
      if (pair < relations.size() && relations[pair] != 0)
        lines.push_back(fmt::format("tensors '{}' and '{}': {}", tensors[i].name, tensors[j].name, relation_name(relations[pair])));
  return lines;
}

}  // namespace ember::jit
