// Python-repr helpers for the layers' extra_repr.
#include "eager/nn/modules/common.h"

#include <fmt/format.h>

namespace ember::nn::detail {

std::string repr_bool(bool b) { return b ? "True" : "False"; }

std::string repr_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s == "inf" || s == "-inf" || s == "nan") return s;
  // fmt's shortest form drops ".0" from integral values; Python keeps it.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string repr_tuple(const std::vector<int64_t>& values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + (values.size() == 1 ? ",)" : ")");
}

}  // namespace ember::nn::detail
