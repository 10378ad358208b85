// Checkpoints: a model state, an optimizer state, the epoch and named scalars in one safetensors file.
#include <charconv>
#include <optional>
#include <string_view>

#include "eager/io/safetensors_impl.h"
#include "eager/io/serialize.h"
#include "kernels/check.h"

namespace ember {
namespace {

constexpr std::string_view kModelPrefix = "model.";
constexpr std::string_view kOptimizerPrefix = "optimizer.";
constexpr std::string_view kScalarPrefix = "scalars.";
constexpr std::string_view kEpochKey = "epoch";

void add_prefixed(TensorState& out, const TensorState& state, std::string_view prefix) {
  for (const auto& item : state.tensors) out.tensors.insert(std::string(prefix) + item.key(), item.value());
  for (const auto& [key, value] : state.metadata) out.metadata.emplace(std::string(prefix) + key, value);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The whole of `text` as a T, or nullopt (from_chars reads "inf" and "nan" for doubles).
template <typename T>
std::optional<T> parse_number(const std::string& text) {
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void save_checkpoint(const Checkpoint& checkpoint, const std::string& path) {
  TensorState state;
  add_prefixed(state, checkpoint.model, kModelPrefix);
  add_prefixed(state, checkpoint.optimizer, kOptimizerPrefix);
  state.metadata.emplace(kEpochKey, fmt::format("{}", checkpoint.epoch));
  // fmt's "{}" is the shortest text that reads back to the same double, and Python's float() reads it.
  for (const auto& [name, value] : checkpoint.scalars)
    state.metadata.emplace(std::string(kScalarPrefix) + name, fmt::format("{}", value));
  detail::save_safetensors_file(state, path, "save_checkpoint");
}

Checkpoint load_checkpoint(const std::string& path) {
  TensorState state = detail::load_safetensors_file(path, "load_checkpoint");
  Checkpoint checkpoint;
  for (auto& item : state.tensors) {
    const std::string& name = item.key();
    if (starts_with(name, kModelPrefix)) {
      checkpoint.model.tensors.insert(name.substr(kModelPrefix.size()), item.value());
    } else if (starts_with(name, kOptimizerPrefix)) {
      checkpoint.optimizer.tensors.insert(name.substr(kOptimizerPrefix.size()), item.value());
    } else {
      EMBER_FAIL("[load_checkpoint] safetensors file '{}': tensor '{}' belongs to neither the model nor the optimizer; "
                 "checkpoint tensors are named 'model.<name>' or 'optimizer.<name>' (use ember::load for other files)",
                 path, name);
    }
  }
  for (const auto& [key, value] : state.metadata) {
    if (key == kEpochKey) {
      const auto epoch = parse_number<int64_t>(value);
      EMBER_CHECK(epoch.has_value(), "[load_checkpoint] safetensors file '{}': metadata 'epoch' is '{}'; expected an integer",
                  path, value);
      checkpoint.epoch = *epoch;
    } else if (starts_with(key, kScalarPrefix)) {
      const auto scalar = parse_number<double>(value);
      EMBER_CHECK(scalar.has_value(), "[load_checkpoint] safetensors file '{}': metadata '{}' is '{}'; expected a number",
                  path, key, value);
      checkpoint.scalars.emplace(key.substr(kScalarPrefix.size()), *scalar);
    } else if (starts_with(key, kModelPrefix)) {
      checkpoint.model.metadata.emplace(key.substr(kModelPrefix.size()), value);
    } else if (starts_with(key, kOptimizerPrefix)) {
      checkpoint.optimizer.metadata.emplace(key.substr(kOptimizerPrefix.size()), value);
    } else {
      EMBER_FAIL("[load_checkpoint] safetensors file '{}': unknown metadata '{}'; a checkpoint's metadata holds 'epoch', "
                 "'scalars.<name>', 'model.<key>' and 'optimizer.<key>'",
                 path, key);
    }
  }
  return checkpoint;
}

}  // namespace ember
