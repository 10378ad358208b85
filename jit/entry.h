// One cache entry of a compiled function: the guards that select it and the program it runs.
#pragma once

#include "guards/guards.h"
#include "jit/program.h"

namespace ember::jit {

struct Entry {
  GuardSet guards;
  Program program;
  int64_t hits = 0;
  double compile_ms = 0;
  std::string dynamic_note;  // why dims asked to be dynamic stayed static
};

}  // namespace ember::jit
