// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON, then the tensors' raw
// little-endian bytes, which must cover the rest of the file exactly.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "eager/autograd/grad_mode.h"
#include "eager/io/safetensors_impl.h"
#include "eager/io/serialize.h"
#include "eager/ops.h"
#include "kernels/check.h"

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian and ember writes tensor memory as it is");

namespace ember {
namespace {

// What the Python library accepts; anything larger is not a header but a corrupt length.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
// A valid header nests three levels (root, tensor entry, shape); deeper JSON is rejected early.
constexpr int kMaxJsonDepth = 3;

struct DtypeInfo {
  ScalarType dtype;
  const char* name;
};
// In the order of the Rust library's Dtype enum: its writer lays tensors out by descending position
// here (largest alignment first), then by name, and ember does the same to write identical bytes.
constexpr DtypeInfo kDtypes[] = {
    {kBool, "BOOL"}, {kUInt8, "U8"},   {kInt8, "I8"},    {kInt16, "I16"},  {kHalf, "F16"},
    {kBFloat16, "BF16"}, {kInt, "I32"}, {kFloat, "F32"}, {kDouble, "F64"}, {kLong, "I64"},
};

int dtype_rank(ScalarType dtype) {
  for (size_t i = 0; i < std::size(kDtypes); ++i)
    if (kDtypes[i].dtype == dtype) return int(i);
  EMBER_FAIL("[safetensors] dtype {} has no safetensors name", to_string(dtype));
}

std::string dtype_names() {
  std::string out;
  for (const DtypeInfo& d : kDtypes) out += std::string(out.empty() ? "" : ", ") + d.name;
  return out;
}

// Where an error happened: "[load] safetensors file 'x.st': ...".
struct Where {
  const char* op;
  std::string source;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    EMBER_FAIL("[{}] {}: {}", op, source, fmt::format(format, std::forward<Args>(args)...));
  }
};

Where file_where(const char* op, const std::string& path) { return {op, fmt::format("safetensors file '{}'", path)}; }

// ---- header text ----

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
    if (n == 4 || s.size() - i <= n) return false;  // a bad lead byte, or a truncated sequence
    uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
    for (size_t k = 1; k <= n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont >> 6) != 0x2) return false;
      cp = (cp << 6) | (cont & 0x3fu);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// A JSON string literal escaped as serde_json (the Python library's writer) escapes it.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += ch;
    }
  }
  out += '"';
}

// ---- writing ----

struct PreparedTensor {
  std::string name;
  Tensor data;  // contiguous, on the CPU
  uint64_t begin = 0, end = 0;
};

struct PreparedFile {
  std::string head;  // 8-byte length + padded JSON header
  std::vector<PreparedTensor> tensors;
};

// Checks everything that can be wrong and lays the tensors out, before any byte is written.
PreparedFile prepare(const Where& where, const TensorState& state) {
  PreparedFile file;
  NoGradGuard no_grad;
  for (const auto& item : state.tensors) {
    const std::string& name = item.key();
    const Tensor& t = item.value();
    if (name == "__metadata__")
      where.fail("a tensor may not be named '__metadata__': safetensors uses that key for the metadata; rename it");
    if (!is_valid_utf8(name)) where.fail("tensor name '{}' is not valid UTF-8; safetensors headers are UTF-8 JSON", name);
    if (!t.defined()) where.fail("tensor '{}' is undefined; only defined tensors can be saved", name);
    Tensor data = t.detach();
    if (!data.is_cpu()) data = data.cpu();
    file.tensors.push_back({name, data.contiguous()});
  }
  for (const auto& [key, value] : state.metadata) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value))
      where.fail("metadata entry '{}' is not valid UTF-8; safetensors headers are UTF-8 JSON", key);
  }
  std::stable_sort(file.tensors.begin(), file.tensors.end(), [](const PreparedTensor& a, const PreparedTensor& b) {
    const int ra = dtype_rank(a.data.dtype()), rb = dtype_rank(b.data.dtype());
    return ra != rb ? ra > rb : a.name < b.name;
  });

  std::string json = "{";
  if (!state.metadata.empty()) {
    json += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : state.metadata) {
      if (!first) json += ',';
      first = false;
      append_json_string(json, key);
      json += ':';
      append_json_string(json, value);
    }
    json += '}';
  }
  uint64_t offset = 0;
  for (PreparedTensor& t : file.tensors) {
    t.begin = offset;
    t.end = offset += t.data.nbytes();
    if (json.size() > 1) json += ',';
    append_json_string(json, t.name);
    json += fmt::format(":{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                        kDtypes[dtype_rank(t.data.dtype())].name, fmt::join(t.data.sizes().vec(), ","), t.begin,
                        t.end);
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as Python pads it
  if (json.size() > kMaxHeaderSize)
    where.fail("the header would be {} bytes, more than the {} bytes readers accept; save fewer tensors per file",
               json.size(), kMaxHeaderSize);

  uint64_t length = json.size();
  file.head.resize(8);
  std::memcpy(file.head.data(), &length, 8);
  file.head += json;
  return file;
}

using Sink = std::function<void(const void* data, size_t size)>;

void write_prepared(const PreparedFile& file, const Sink& sink) {
  sink(file.head.data(), file.head.size());
  for (const PreparedTensor& t : file.tensors)
    if (t.end > t.begin) sink(t.data.data_ptr(), size_t(t.end - t.begin));
}

std::string errno_text(int error) { return std::strerror(error); }

// Writes into a fresh temporary file next to `path`, fsyncs it and renames it over `path`; on any
// failure the temporary is removed and the old file is untouched.
void write_atomically(const Where& where, const std::string& path, const PreparedFile& file) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  if (!target.has_filename()) where.fail("the path names a directory; give a file name to save to");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  static std::atomic<uint64_t> counter{0};

  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = (dir / fmt::format(".{}.tmp.{}.{}", target.filename().string(), ::getpid(), counter++)).string();
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0)
    where.fail("cannot create a temporary file in directory '{}' ({}); the directory must exist and be writable",
               dir.string(), errno_text(errno));

  try {
    write_prepared(file, [&](const void* data, size_t size) {
      const char* p = static_cast<const char*>(data);
      while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) where.fail("writing '{}' failed ({}); the previous file is unchanged", temp, errno_text(errno));
        p += n;
        size -= size_t(n);
      }
    });
    if (::fsync(fd) != 0) where.fail("flushing '{}' to disk failed ({}); the previous file is unchanged", temp, errno_text(errno));
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) where.fail("closing '{}' failed ({}); the previous file is unchanged", temp, errno_text(errno));
    if (::rename(temp.c_str(), path.c_str()) != 0)
      where.fail("cannot replace it with the new file ({}); the previous file is unchanged", errno_text(errno));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  // Makes the rename itself durable; a failure here cannot undo the save, so it is not reported.
  if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

// ---- reading ----

struct TensorEntry {
  std::string name;
  ScalarType dtype = kFloat;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct ParsedHeader {
  std::vector<TensorEntry> tensors;  // in data order
  std::map<std::string, std::string> metadata;
};

const char* json_type(const nlohmann::json& j) { return j.type_name(); }

// A non-negative JSON integer that fits in 64 bits.
uint64_t to_unsigned(const Where& where, const nlohmann::json& j, const std::string& name, const char* field) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer())
    where.fail("tensor '{}' has a negative entry {} in '{}'; expected non-negative integers", name, j.get<int64_t>(),
               field);
  where.fail("tensor '{}' has {} in '{}'; expected non-negative integers below 2^64", name, j.dump(), field);
}

TensorEntry parse_entry(const Where& where, const std::string& name, const nlohmann::json& j, uint64_t data_size) {
  if (!j.is_object())
    where.fail("tensor '{}' is described by a JSON {}; expected an object with dtype, shape and data_offsets", name,
               json_type(j));
  for (const auto& [key, value] : j.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      where.fail("tensor '{}' has an unknown field '{}'; expected only dtype, shape and data_offsets", name, key);
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!j.contains(field)) where.fail("tensor '{}' has no '{}'; expected dtype, shape and data_offsets", name, field);
  }
  TensorEntry entry;
  entry.name = name;

  const nlohmann::json& dtype = j["dtype"];
  if (!dtype.is_string()) where.fail("tensor '{}' has dtype {}; expected a string, one of {}", name, dtype.dump(), dtype_names());
  const std::string& dtype_name = dtype.get_ref<const std::string&>();
  const DtypeInfo* info = nullptr;
  for (const DtypeInfo& d : kDtypes)
    if (dtype_name == d.name) info = &d;
  if (info == nullptr)
    where.fail("tensor '{}' has unknown dtype '{}'; ember reads {}", name, dtype_name, dtype_names());
  entry.dtype = info->dtype;

  const nlohmann::json& shape = j["shape"];
  if (!shape.is_array()) where.fail("tensor '{}' has shape {}; expected an array of non-negative integers", name, shape.dump());
  uint64_t numel = 1;
  bool overflow = false;
  for (const nlohmann::json& dim : shape) {
    const uint64_t d = to_unsigned(where, dim, name, "shape");
    overflow |= d > uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, d, &numel);
    entry.shape.push_back(int64_t(d));
  }
  uint64_t nbytes = 0;
  overflow |= numel > uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, uint64_t(element_size(entry.dtype)), &nbytes);
  if (overflow) where.fail("tensor '{}' has shape {} whose size does not fit in 64 bits; the header is corrupt", name, shape.dump());

  const nlohmann::json& offsets = j["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    where.fail("tensor '{}' has data_offsets {}; expected [begin, end]", name, offsets.dump());
  entry.begin = to_unsigned(where, offsets[0], name, "data_offsets");
  entry.end = to_unsigned(where, offsets[1], name, "data_offsets");
  if (entry.begin > entry.end)
    where.fail("tensor '{}' has data_offsets [{}, {}] with begin after end; expected begin <= end", name, entry.begin,
               entry.end);
  if (entry.end > data_size)
    where.fail("tensor '{}' has data_offsets [{}, {}] beyond the {}-byte data buffer; the file is truncated or corrupt",
               name, entry.begin, entry.end, data_size);
  if (entry.end - entry.begin != nbytes)
    where.fail("tensor '{}' ({}, shape {}) needs {} bytes but its data_offsets [{}, {}] span {} bytes", name,
               dtype_name, shape.dump(), nbytes, entry.begin, entry.end, entry.end - entry.begin);
  return entry;
}

ParsedHeader parse_header(const Where& where, std::string_view text, uint64_t data_size) {
  using json = nlohmann::json;
  // nlohmann keeps the last of duplicate keys silently; a header naming a tensor twice is corrupt.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth)
          where.fail("the header nests JSON deeper than a safetensors header does; the file is corrupt");
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end: keys.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default: break;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    where.fail("the header is not valid UTF-8 JSON ({}); the file is corrupt or not a safetensors file", e.what());
  }
  if (!duplicate.empty()) where.fail("the header names '{}' twice; each tensor name must appear once", duplicate);
  if (!header.is_object())
    where.fail("the header is a JSON {}; expected an object mapping tensor names to dtype, shape and data_offsets",
               json_type(header));

  ParsedHeader parsed;
  for (const auto& [name, value] : header.items()) {
    if (name != "__metadata__") {
      parsed.tensors.push_back(parse_entry(where, name, value, data_size));
      continue;
    }
    if (!value.is_object()) where.fail("'__metadata__' is a JSON {}; expected an object of strings", json_type(value));
    for (const auto& [key, entry] : value.items()) {
      if (!entry.is_string())
        where.fail("metadata entry '{}' is {}; safetensors metadata values are strings (store JSON text instead)", key,
                   entry.dump());
      parsed.metadata.emplace(key, entry.get<std::string>());
    }
  }

  std::sort(parsed.tensors.begin(), parsed.tensors.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  // The spec asks the tensors to tile the data buffer: no overlap, no gap, nothing after the last.
  uint64_t covered = 0;
  const TensorEntry* previous = nullptr;
  for (const TensorEntry& t : parsed.tensors) {
    if (t.begin < covered)
      where.fail("tensor '{}' (data_offsets [{}, {}]) overlaps tensor '{}' (data_offsets [{}, {}]); tensors must not share bytes",
                 t.name, t.begin, t.end, previous->name, previous->begin, previous->end);
    if (t.begin > covered)
      where.fail("bytes [{}, {}) of the data buffer belong to no tensor (a gap before tensor '{}'); tensors must cover the buffer contiguously",
                 covered, t.begin, t.name);
    covered = t.end;
    previous = &t;
  }
  if (covered != data_size)
    where.fail("the tensors cover {} bytes but the data buffer after the header has {}; the file has trailing bytes",
               covered, data_size);
  return parsed;
}

// Reads `size` bytes at `offset` of the source into `out`.
using ReadAt = std::function<void(uint64_t offset, void* out, size_t size)>;

TensorState decode(const Where& where, uint64_t total_size, const ReadAt& read_at) {
  if (total_size < 8)
    where.fail("it has {} bytes, fewer than the 8-byte header length every safetensors file starts with", total_size);
  uint64_t header_size = 0;
  read_at(0, &header_size, 8);
  if (header_size > kMaxHeaderSize)
    where.fail("the header length is {} bytes, more than the {} a safetensors header may have; the file is corrupt or not a safetensors file",
               header_size, kMaxHeaderSize);
  if (header_size > total_size - 8)
    where.fail("the header length is {} bytes but only {} bytes follow the length; the file is truncated or not a safetensors file",
               header_size, total_size - 8);
  std::string text(header_size, '\0');
  read_at(8, text.data(), text.size());
  const uint64_t data_start = 8 + header_size;
  ParsedHeader header = parse_header(where, text, total_size - data_start);

  TensorState state;
  state.metadata = std::move(header.metadata);
  for (const TensorEntry& entry : header.tensors) {
    Tensor t = empty(entry.shape, entry.dtype);
    const size_t nbytes = size_t(entry.end - entry.begin);
    if (nbytes > 0) read_at(data_start + entry.begin, t.data_ptr(), nbytes);
    if (entry.dtype == kBool) {
      // Any byte other than 0 and 1 would be an invalid C++ bool; read it as true, as numpy does.
      auto* bytes = static_cast<uint8_t*>(t.data_ptr());
      for (size_t i = 0; i < nbytes; ++i) bytes[i] = bytes[i] != 0;
    }
    state.tensors.insert(entry.name, std::move(t));
  }
  return state;
}

class FileHandle {
 public:
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

TensorState state_of(const Tensor& tensor) {
  TensorState state;
  state.tensors.insert(kSavedTensorKey, tensor);
  return state;
}

template <typename Map>
TensorState state_of(const Map& tensors, const std::map<std::string, std::string>& metadata) {
  TensorState state;
  for (const auto& item : tensors) {
    if constexpr (requires { item.key(); }) state.tensors.insert(item.key(), item.value());
    else state.tensors.insert(item.first, item.second);
  }
  state.metadata = metadata;
  return state;
}

}  // namespace

namespace detail {

void save_safetensors_file(const TensorState& state, const std::string& path, const char* op) {
  const Where where = file_where(op, path);
  write_atomically(where, path, prepare(where, state));
}

TensorState load_safetensors_file(const std::string& path, const char* op) {
  const Where where = file_where(op, path);
  FileHandle file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) where.fail("cannot open it ({})", errno_text(errno));
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) where.fail("cannot read its size ({})", errno_text(errno));
  if (!S_ISREG(info.st_mode)) where.fail("it is not a regular file");
  return decode(where, uint64_t(info.st_size), [&](uint64_t offset, void* out, size_t size) {
    char* p = static_cast<char*>(out);
    while (size > 0) {
      const ssize_t n = ::pread(file.get(), p, size, off_t(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) where.fail("reading failed ({})", errno_text(errno));
      if (n == 0) where.fail("the file ended at byte {} while reading tensor data; was it changed during the load?", offset);
      p += n;
      offset += uint64_t(n);
      size -= size_t(n);
    }
  });
}

}  // namespace detail

void save(const TensorState& state, const std::string& path) { detail::save_safetensors_file(state, path, "save"); }

void save(const OrderedDict<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  save(state_of(tensors, metadata), path);
}

void save(const std::map<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  save(state_of(tensors, metadata), path);
}

void save(const Tensor& tensor, const std::string& path) { save(state_of(tensor), path); }

TensorState load(const std::string& path) { return detail::load_safetensors_file(path, "load"); }

Tensor load_tensor(const std::string& path) {
  TensorState state = detail::load_safetensors_file(path, "load_tensor");
  if (const Tensor* t = state.tensors.find(kSavedTensorKey)) return *t;
  EMBER_CHECK(state.tensors.size() == 1,
              "[load_tensor] safetensors file '{}': it holds {} tensors ({}) and none is named '{}'; use ember::load "
              "to read them all",
              path, state.tensors.size(), fmt::join(state.tensors.keys(), ", "), kSavedTensorKey);
  return state.tensors[0].value();
}

void load(Tensor& tensor, const std::string& path) { tensor = load_tensor(path); }

std::string save_to_bytes(const TensorState& state) {
  const PreparedFile file = prepare({"save_to_bytes", "safetensors bytes"}, state);
  std::string out;
  write_prepared(file, [&](const void* data, size_t size) { out.append(static_cast<const char*>(data), size); });
  return out;
}

TensorState load_from_bytes(std::string_view bytes) {
  const Where where{"load_from_bytes", "safetensors bytes"};
  return decode(where, bytes.size(), [&](uint64_t offset, void* out, size_t size) {
    // decode only reads ranges it has checked against the size; this guards that promise.
    EMBER_CHECK(offset <= bytes.size() && size <= bytes.size() - offset, "[load_from_bytes] internal: read out of range");
    std::memcpy(out, bytes.data() + offset, size);
  });
}

}  // namespace ember
