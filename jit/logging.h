// The compiler's logs: EMBER_LOGS=recompiles,graph_breaks,... or ember::set_logs(...), written to a settable sink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ember {
namespace jit {

enum class LogKind : uint32_t {
  Recompiles = 1u << 0,         // why a call missed every entry: the first failing guard
  RecompilesVerbose = 1u << 1,  // every failing guard of every entry
  GraphBreaks = 1u << 2,        // each graph break, with its reason and source location
  Guards = 1u << 3,             // the guards of each new entry
  GraphCode = 1u << 4,          // the graphs of each new entry, as code
  OutputCode = 1u << 5,         // what the backend generated
  PerfHints = 1u << 6,          // advice: recompile limits, dynamic dims, breaks in hot code
};

bool log_enabled(LogKind kind);
// Writes one message (it may span lines) to the sink, prefixed with "[ember.jit] ".
void log_line(LogKind kind, const std::string& message);
// Messages that are always shown (the recompile limit), whatever EMBER_LOGS says.
void warn_line(const std::string& message);
// Replaces the sink (standard error by default); an empty function restores it. Returns the old one.
using LogSink = std::function<void(std::string_view)>;
LogSink set_log_sink(LogSink sink);

}  // namespace jit

// "recompiles,graph_breaks" (names as in EMBER_LOGS, "+" or "," separated; "all"; "" turns all off).
// Unknown names raise an ember::Error listing the valid ones.
void set_logs(std::string_view spec);
std::string get_logs();

}  // namespace ember
