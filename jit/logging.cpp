// Log settings (from EMBER_LOGS at start-up, or set_logs) and the sink they write to.
#include "jit/logging.h"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/check.h"

namespace ember {
namespace jit {
namespace {

const std::vector<std::pair<std::string_view, LogKind>>& names() {
  static const std::vector<std::pair<std::string_view, LogKind>> table = {
      {"recompiles", LogKind::Recompiles}, {"recompiles_verbose", LogKind::RecompilesVerbose},
      {"graph_breaks", LogKind::GraphBreaks}, {"guards", LogKind::Guards},
      {"graph_code", LogKind::GraphCode}, {"output_code", LogKind::OutputCode},
      {"perf_hints", LogKind::PerfHints}};
  return table;
}

uint32_t parse(std::string_view spec) {
  uint32_t mask = 0;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find_first_of(",+ ", start);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view name = spec.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    if (name == "all") {
      mask = ~0u;
      continue;
    }
    auto it = std::find_if(names().begin(), names().end(), [&](const auto& p) { return p.first == name; });
    if (it == names().end()) {
      std::string valid;
      for (const auto& [n, kind] : names()) valid += std::string(valid.empty() ? "" : ", ") + std::string(n);
      EMBER_FAIL("[set_logs] unknown log name '{}'; valid names: {}, all.", name, valid);
    }
    mask |= uint32_t(it->second);
    // recompiles_verbose implies recompiles, as in torch._logging.
    if (it->second == LogKind::RecompilesVerbose) mask |= uint32_t(LogKind::Recompiles);
  }
  return mask;
}

uint32_t from_environment() {
  const char* env = std::getenv("EMBER_LOGS");
  if (env == nullptr) return 0;
  try {
    return parse(env);
  } catch (const Error& e) {
    std::cerr << "[ember.jit] ignoring EMBER_LOGS: " << e.what() << "\n";
    return 0;
  }
}

std::atomic<uint32_t>& mask() {
  static std::atomic<uint32_t> value{from_environment()};
  return value;
}

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

LogSink& sink() {
  static LogSink s;
  return s;
}

void write(const std::string& message) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  const std::string line = "[ember.jit] " + message;
  if (sink()) sink()(line);
  else std::cerr << line << "\n";
}

}  // namespace

bool log_enabled(LogKind kind) { return (mask().load(std::memory_order_relaxed) & uint32_t(kind)) != 0; }

void log_line(LogKind kind, const std::string& message) {
  if (log_enabled(kind)) write(message);
}

void warn_line(const std::string& message) { write(message); }

LogSink set_log_sink(LogSink s) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  return std::exchange(sink(), std::move(s));
}

}  // namespace jit

void set_logs(std::string_view spec) { jit::mask().store(jit::parse(spec)); }

std::string get_logs() {
  std::string out;
  for (const auto& [name, kind] : jit::names())
    if (jit::log_enabled(kind)) out += std::string(out.empty() ? "" : ",") + std::string(name);
  return out;
}

}  // namespace ember
