// Schema parsing, side-effect classification and fake-tensor metas for the JIT's passes and printer.
#include "jit/op_info.h"

#include <mutex>
#include <unordered_map>

#include "eager/meta.h"
#include "kernels/check.h"

namespace ember::jit {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// Splits at top-level commas: "int[2] stride=[], Tensor(a -> *) self" has none inside brackets.
std::vector<std::string> split_top_level(std::string_view s) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[') ++depth;
    else if (c == ')' || c == ']') --depth;
    else if (c == ',' && depth == 0) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (start < s.size()) parts.push_back(trim(s.substr(start)));
  return parts;
}

// The text between the schema's outer parentheses.
std::string_view parameter_text(std::string_view schema) {
  const size_t open = schema.find('(');
  if (open == std::string_view::npos) return {};
  int depth = 0;
  for (size_t i = open; i < schema.size(); ++i) {
    if (schema[i] == '(') ++depth;
    else if (schema[i] == ')' && --depth == 0) return schema.substr(open + 1, i - open - 1);
  }
  return {};
}

std::vector<SchemaParam> parse_params(std::string_view schema) {
  std::vector<SchemaParam> params;
  for (const std::string& part : split_top_level(parameter_text(schema))) {
    if (part.empty() || part == "*") continue;
    // The type ends at the first space outside parentheses ("Tensor(a -> *) self").
    size_t end = 0;
    for (int depth = 0; end < part.size(); ++end) {
      if (part[end] == '(') ++depth;
      else if (part[end] == ')') --depth;
      else if (part[end] == ' ' && depth == 0) break;
    }
    SchemaParam p;
    p.type = part.substr(0, end);
    std::string rest = trim(std::string_view(part).substr(std::min(end, part.size())));
    if (const size_t eq = rest.find('='); eq != std::string::npos) {
      p.default_value = trim(std::string_view(rest).substr(eq + 1));
      rest = trim(std::string_view(rest).substr(0, eq));
    }
    p.name = rest;
    p.tensor = p.type.rfind("Tensor", 0) == 0;
    p.optional = !p.type.empty() && p.type.back() == '?';
    p.list = p.tensor && p.type.find("[]") != std::string::npos;
    params.push_back(std::move(p));
  }
  return params;
}

}  // namespace

const std::vector<SchemaParam>& schema_params(const OpDef& op) {
  static std::mutex mutex;
  static std::unordered_map<const OpDef*, std::vector<SchemaParam>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(&op);
  if (it == cache.end()) it = cache.emplace(&op, parse_params(op.schema)).first;
  return it->second;
}

std::vector<std::string> attr_names(const OpDef& op) {
  std::vector<std::string> names;
  for (const SchemaParam& p : schema_params(op))
    if (!p.tensor) names.push_back(p.name);
  return names;
}

bool returns_sequence(const OpDef& op) {
  const size_t arrow = op.schema.find("->");
  if (arrow == std::string_view::npos) return false;
  const std::string result = trim(op.schema.substr(arrow + 2));
  return result.starts_with("(") || result.ends_with("[]");
}

TensorArity tensor_arity(const OpDef& op) {
  TensorArity arity;
  for (const SchemaParam& p : schema_params(op)) {
    if (!p.tensor) continue;
    if (p.list) arity.max = -1;
    else {
      if (!p.optional) ++arity.min;
      if (arity.max >= 0) ++arity.max;
    }
  }
  return arity;
}

bool draws_random(const OpDef& op) {
  return op.schema.find("Generator") != std::string_view::npos || op.name == "native_dropout" || op.name == "dropout_";
}

bool has_side_effects(const OpDef& op) {
  return op.kind == OpKind::InPlace || op.schema.find('!') != std::string_view::npos || draws_random(op);
}

bool is_uninitialised(const OpDef& op) {
  const std::string_view base = op.name.substr(0, op.name.find('.'));
  return base == "empty" || base == "empty_strided" || base == "empty_like" || base == "new_empty" ||
         base == "new_empty_strided";
}

bool is_contiguous_meta(const TensorMeta& meta) {
  return meta.strides.empty() || detail::is_contiguous_geometry(meta.sizes, meta.strides);
}

Tensor fake_tensor(const TensorMeta& meta) {
  const DimVector strides = meta.strides.empty() ? detail::contiguous_strides(meta.sizes) : meta.strides;
  // The storage reaches the furthest element the geometry addresses (as_strided's bounds check reads it).
  int64_t extent = meta.storage_offset + 1;
  for (size_t d = 0; d < meta.sizes.size(); ++d) {
    if (meta.sizes[d] == 0) {
      extent = meta.storage_offset;
      break;
    }
    extent += (meta.sizes[d] - 1) * strides[d];
  }
  const size_t nbytes = size_t(std::max<int64_t>(extent, 0)) * size_t(element_size(meta.dtype));
  auto storage = std::make_shared<StorageImpl>(nullptr, nbytes, meta.device, nullptr);
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), meta.dtype, meta.sizes, strides, meta.storage_offset));
}

MetaOutputs infer_metas(const OpDef& op, const std::vector<TensorMeta>& inputs, const SmallVector<Attr, 4>& attrs) {
  EMBER_CHECK(op.meta != nullptr, "[{}] has no meta function", op.name);
  OpCall call;
  for (const TensorMeta& m : inputs) call.inputs.push_back(fake_tensor(m));
  call.attrs = attrs;
  MetaOutputs out;
  op.meta(op, call, out);
  return out;
}

}  // namespace ember::jit
