// Helpers for the serialization tests: scratch directories, raw file bytes and exact tensor comparison.
#pragma once

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "helpers.h"

namespace ember::test {

// A fresh directory under the system temp directory, removed with everything in it at scope exit.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("ember_io_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }
  // The names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

// The 8-byte little-endian length that opens a safetensors file.
inline std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((v >> (8 * i)) & 0xff);
  return out;
}

// A safetensors file: length prefix, the header text as given (no padding added), the data bytes.
inline std::string safetensors_bytes(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

// The raw bytes of a value in little-endian order (the test machine is little-endian, as ember requires).
template <typename T>
std::string raw(T value) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

// Same dtype, same shape and the same bytes element by element.
inline void check_same(const Tensor& actual, const Tensor& expected) {
  REQUIRE(actual.defined());
  CHECK(actual.dtype() == expected.dtype());
  REQUIRE(actual.sizes().vec() == expected.sizes().vec());
  const Tensor a = actual.contiguous(), e = expected.contiguous();
  CHECK(a.is_contiguous());
  if (e.numel() > 0) CHECK(std::memcmp(a.data_ptr(), e.data_ptr(), e.nbytes()) == 0);
}

// tests/data_files/<name>, found from this source file's path (which the build may make relative to the
// build directory) by trying the working directory and its parents.
inline std::string data_file(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path relative = fs::path(__FILE__).parent_path().parent_path() / "data_files" / name;
  if (relative.is_absolute() && fs::exists(relative)) return relative.string();
  for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / relative)) return (dir / relative).string();
    if (fs::exists(dir / "tests" / "data_files" / name)) return (dir / "tests" / "data_files" / name).string();
    if (dir == dir.parent_path()) break;
  }
  FAIL("cannot find tests/data_files/" << name << " from " << fs::current_path());
  return "";
}

}  // namespace ember::test
