// EMBER_CHECK: the internal guard that turns a failed condition into an ember::Error (for .cpp files only).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "kernels/error.h"

namespace ember::detail {
[[noreturn]] void throw_error(std::string message);
}  // namespace ember::detail

#define EMBER_CHECK(cond, ...)                                     \
  do {                                                             \
    if (!(cond)) [[unlikely]] {                                    \
      ::ember::detail::throw_error(::fmt::format(__VA_ARGS__));    \
    }                                                              \
  } while (0)

#define EMBER_FAIL(...) ::ember::detail::throw_error(::fmt::format(__VA_ARGS__))
