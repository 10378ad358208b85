// Dynamic dims: which sizes vary, and how traced attributes follow them (found by tracing twice).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jit/program.h"

namespace ember::jit {

// The symbols of one compile: symbol k is the size of flat tensor argument sources[k].first at dim
// sources[k].second; hints are the traced sizes, sentinels the distinct sizes of the second (fake) trace.
struct SymbolPlan {
  std::vector<std::pair<int, int>> sources;
  std::vector<int64_t> hints;
  std::vector<int64_t> sentinels;        // large: primes above twice the hint (and >= 97)
  std::vector<int64_t> small_sentinels;  // small: the smallest unused primes, below the hint where possible
  // Per flat tensor argument, per dim: the symbol, or -1.
  std::vector<std::vector<int>> dim_symbols;
};

// Equal traced sizes share one symbol (and a guard that they stay equal), as torch's duck sizing does.
SymbolPlan plan_symbols(const FlatArgs& args, const std::vector<std::vector<bool>>& dynamic_dims);

// Compares the real trace with the fake one (same ops, sizes at sentinels) and records, in the real
// program, which attributes and output dims follow the symbols. Returns why not, when they cannot.
std::optional<std::string> fit_symbols(Program& real, const Program& fake, const SymbolPlan& plan);

// Checks a fit against a third trace, at the small sentinels: the same ops, and every symbolic
// attribute evaluating to what that trace recorded. Catches control flow on a size that only
// the small sizes take, and relations that are not affine.
std::optional<std::string> verify_symbols(const Program& real, const Program& small, const SymbolPlan& plan);

}  // namespace ember::jit
