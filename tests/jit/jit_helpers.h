// Shared helpers for the JIT tests: capturing log lines and comparing results bit for bit.
#pragma once

#include <string>
#include <vector>

#include "ember.h"
#include "jit/compile.h"

namespace ember::test {

// Captures what the compiler logs while alive, with the given EMBER_LOGS-style names enabled.
class LogCapture {
 public:
  explicit LogCapture(std::string_view logs) : previous_logs_(get_logs()) {
    set_logs(logs);
    previous_sink_ = jit::set_log_sink([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~LogCapture() {
    jit::set_log_sink(std::move(previous_sink_));
    set_logs(previous_logs_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  bool contains(std::string_view text) const {
    for (const std::string& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
  size_t count(std::string_view text) const {
    size_t n = 0;
    for (const std::string& l : lines) n += l.find(text) != std::string::npos;
    return n;
  }
  std::string all() const {
    std::string s;
    for (const std::string& l : lines) s += l + "\n";
    return s;
  }

  std::vector<std::string> lines;

 private:
  std::string previous_logs_;
  jit::LogSink previous_sink_;
};

// Same dtype, shape and bits (NaNs equal).
inline bool same_values(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  if (a.numel() == 0) return true;
  const Tensor x = a.to(kDouble).contiguous(), y = b.to(kDouble).contiguous();
  const std::vector<double> u = x.to_vector<double>(), v = y.to_vector<double>();
  for (size_t i = 0; i < u.size(); ++i)
    if (!(u[i] == v[i] || (u[i] != u[i] && v[i] != v[i]))) return false;
  return true;
}

}  // namespace ember::test
