// Malformed, truncated and corrupted safetensors files give an ember::Error naming the file and the
// problem; failed saves leave the previous file intact.
#include <sys/stat.h>

#include "io/io_helpers.h"

using namespace ember;
using namespace ember::test;
using namespace std::string_literals;

namespace {

// The error that loading `bytes` from a file gives; it must also name the file.
std::string load_error(const std::string& bytes) {
  ScratchDir dir("errors");
  const std::string path = dir.file("bad.safetensors");
  write_bytes(path, bytes);
  const std::string error = error_of([&] { load(path); });
  CHECK(contains(error, "[load] safetensors file '" + path + "': "));
  // Loading the same bytes from memory fails the same way.
  const std::string from_bytes = error_of([&] { load_from_bytes(bytes); });
  CHECK(contains(from_bytes, "[load_from_bytes] safetensors bytes: "));
  CHECK(error.substr(error.find("': ") + 3) == from_bytes.substr(from_bytes.find("bytes: ") + 7));
  return error;
}

// A header with one tensor entry `entry` (JSON object text) under the name "t", and `data`.
std::string one_tensor(const std::string& entry, const std::string& data) {
  return safetensors_bytes(R"({"t":)" + entry + "}", data);
}

const std::string k8Bytes(8, '\x01');

}  // namespace

TEST_CASE("a file shorter than the 8-byte length is refused") {
  CHECK(contains(load_error(""), "it has 0 bytes, fewer than the 8-byte header length"));
  CHECK(contains(load_error("\x02\x00\x00"s), "it has 3 bytes, fewer than the 8-byte header length"));
}

TEST_CASE("a header length beyond the end of the file is refused") {
  CHECK(contains(load_error(le64(100) + "{}"), "the header length is 100 bytes but only 2 bytes follow the length"));
  CHECK(contains(load_error(le64(UINT64_MAX) + "{}"), "the header length is 18446744073709551615 bytes, more than"));
}

TEST_CASE("a header length over 100 MB is refused before reading it") {
  CHECK(contains(load_error(le64(100'000'001) + "{}"),
                 "the header length is 100000001 bytes, more than the 100000000 a safetensors header may have"));
}

TEST_CASE("a header that is not JSON is refused") {
  CHECK(contains(load_error(safetensors_bytes("{\"t\": ", "")), "the header is not valid UTF-8 JSON"));
  CHECK(contains(load_error(safetensors_bytes("{} x", "")), "the header is not valid UTF-8 JSON"));
  CHECK(contains(load_error(safetensors_bytes(std::string("\0\0\0\0", 4), "")), "the header is not valid UTF-8 JSON"));
}

TEST_CASE("a header with invalid UTF-8 is refused") {
  CHECK(contains(load_error(safetensors_bytes("{\"\xff\":1}", "")), "the header is not valid UTF-8 JSON"));
  CHECK(contains(load_error(safetensors_bytes("{\"\xc3\":1}", "")), "ill-formed UTF-8"));
}

TEST_CASE("a header that is not a JSON object is refused") {
  CHECK(contains(load_error(safetensors_bytes("[1, 2]", "")),
                 "the header is a JSON array; expected an object mapping tensor names to dtype, shape and data_offsets"));
  CHECK(contains(load_error(safetensors_bytes(R"({"t": 3})", "")),
                 "tensor 't' is described by a JSON number; expected an object with dtype, shape and data_offsets"));
}

TEST_CASE("deeply nested JSON is refused early") {
  const std::string deep = R"({"t":{"shape":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  CHECK(contains(load_error(safetensors_bytes(deep, "")), "nests JSON deeper than a safetensors header does"));
}

TEST_CASE("an unknown dtype is refused with the list of known ones") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]})", "\x01")),
                 "tensor 't' has unknown dtype 'F8_E4M3'; ember reads BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":4,"shape":[1],"data_offsets":[0,1]})", "\x01")),
                 "tensor 't' has dtype 4; expected a string"));
}

TEST_CASE("missing and unknown fields of a tensor entry are refused") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1]})", "\x01")),
                 "tensor 't' has no 'data_offsets'; expected dtype, shape and data_offsets"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1})", "\x01")),
                 "tensor 't' has an unknown field 'x'"));
}

TEST_CASE("a shape with negative, fractional or overflowing entries is refused") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[-2,1],"data_offsets":[0,0]})", "")),
                 "tensor 't' has a negative entry -2 in 'shape'; expected non-negative integers"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1.5],"data_offsets":[0,1]})", "\x01")),
                 "tensor 't' has 1.5 in 'shape'; expected non-negative integers"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":"[1]","data_offsets":[0,1]})", "\x01")),
                 "tensor 't' has shape \"[1]\"; expected an array of non-negative integers"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})", k8Bytes)),
                 "tensor 't' has shape [4294967296,4294967296] whose size does not fit in 64 bits"));
  // numel fits in 64 bits but numel * 8 bytes does not.
  CHECK(contains(load_error(one_tensor(R"({"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]})", k8Bytes)),
                 "does not fit in 64 bits"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,8]})", k8Bytes)),
                 "does not fit in 64 bits"));
}

TEST_CASE("data_offsets that are malformed, reversed or out of range are refused") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[0]})", "\x01")),
                 "tensor 't' has data_offsets [0]; expected [begin, end]"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[0,-1]})", "\x01")),
                 "tensor 't' has a negative entry -1 in 'data_offsets'"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[0],"data_offsets":[1,0]})", "\x01")),
                 "tensor 't' has data_offsets [1, 0] with begin after end"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})", k8Bytes)),
                 "tensor 't' has data_offsets [0, 16] beyond the 8-byte data buffer; the file is truncated or corrupt"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[18446744073709551615,18446744073709551615]})", "")),
                 "beyond the 0-byte data buffer"));
}

TEST_CASE("a byte length other than numel times the element size is refused") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"F32","shape":[2,1],"data_offsets":[0,4]})", "\x01\x02\x03\x04")),
                 "tensor 't' (F32, shape [2,1]) needs 8 bytes but its data_offsets [0, 4] span 4 bytes"));
}

TEST_CASE("overlapping tensors are refused") {
  const std::string header = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})";
  CHECK(contains(load_error(safetensors_bytes(header, "abcdef")),
                 "tensor 'b' (data_offsets [2, 6]) overlaps tensor 'a' (data_offsets [0, 4]); tensors must not share bytes"));
  const std::string same = R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})";
  CHECK(contains(load_error(safetensors_bytes(same, "abcd")), "tensor 'b' (data_offsets [0, 4]) overlaps tensor 'a'"));
}

TEST_CASE("a gap between tensors is refused") {
  const std::string header = R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})";
  CHECK(contains(load_error(safetensors_bytes(header, "abcdef")),
                 "bytes [2, 4) of the data buffer belong to no tensor (a gap before tensor 'b')"));
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[1,2]})", "ab")),
                 "bytes [0, 1) of the data buffer belong to no tensor"));
}

TEST_CASE("bytes after the last tensor are refused") {
  CHECK(contains(load_error(one_tensor(R"({"dtype":"U8","shape":[1],"data_offsets":[0,1]})", "ab")),
                 "the tensors cover 1 bytes but the data buffer after the header has 2; the file has trailing bytes"));
}

TEST_CASE("a name given twice is refused") {
  const std::string header = R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})";
  CHECK(contains(load_error(safetensors_bytes(header, "ab")), "the header names 'a' twice; each tensor name must appear once"));
  CHECK(contains(load_error(safetensors_bytes(R"({"__metadata__":{"k":"1","k":"2"}})", "")), "names 'k' twice"));
}

TEST_CASE("metadata that is not an object of strings is refused") {
  CHECK(contains(load_error(safetensors_bytes(R"({"__metadata__":{"epoch":3}})", "")),
                 "metadata entry 'epoch' is 3; safetensors metadata values are strings (store JSON text instead)"));
  CHECK(contains(load_error(safetensors_bytes(R"({"__metadata__":{"m":{"a":"b"}}})", "")),
                 "metadata entry 'm' is {\"a\":\"b\"}"));
  CHECK(contains(load_error(safetensors_bytes(R"({"__metadata__":["a"]})", "")),
                 "'__metadata__' is a JSON array; expected an object of strings"));
}

TEST_CASE("bool bytes other than 0 and 1 load as true") {
  const TensorState state = load_from_bytes(one_tensor(R"({"dtype":"BOOL","shape":[3],"data_offsets":[0,3]})", "\x00\x02\xff"s));
  check_exact(state.tensors["t"], {0, 1, 1});
}

TEST_CASE("a missing file or a directory gives an error naming it") {
  ScratchDir dir("errors");
  std::string error = error_of([&] { load(dir.file("missing.safetensors")); });
  CHECK(contains(error, "[load] safetensors file '" + dir.file("missing.safetensors") + "': cannot open it (No such file or directory)"));
  error = error_of([&] { load(dir.path().string()); });
  CHECK(contains(error, "it is not a regular file"));
}

TEST_CASE("every truncation and every single-byte corruption of a valid file is an error or a valid load, never a crash") {
  TensorState state;
  state.tensors.insert("w", arange(6, kFloat).reshape({2, 3}));
  state.tensors.insert("b", ones({2}, kLong));
  state.tensors.insert("m", ones({1}, kBool));
  state.metadata["k"] = "v";
  const std::string bytes = save_to_bytes(state);
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(load_from_bytes(std::string_view(bytes).substr(0, n)), Error);
  }
  int errors = 0, loads = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char value : {0x00, 0x20, 0x22, 0x2c, 0x30, 0x39, 0x5b, 0x7b, 0x7d, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = char(value);
      try {
        load_from_bytes(corrupt);
        ++loads;
      } catch (const Error&) {
        ++errors;
      }
    }
  }
  CHECK(errors > 0);
  CHECK(loads > 0);  // corrupting tensor data or padding still gives a well-formed file
}

// ---- atomic saves ----

TEST_CASE("a save that fails on a tensor that cannot be saved leaves the old file byte-identical") {
  ScratchDir dir("atomic");
  const std::string path = dir.file("model.safetensors");
  save(arange(10, kFloat), path);
  const std::string before = read_bytes(path);

  TensorState bad;
  bad.tensors.insert("good", ones({1000}));
  bad.tensors.insert("undefined", Tensor());
  CHECK(contains(error_of([&] { save(bad, path); }),
                 "[save] safetensors file '" + path + "': tensor 'undefined' is undefined; only defined tensors can be saved"));
  CHECK(read_bytes(path) == before);

  TensorState reserved;
  reserved.tensors.insert("__metadata__", ones({1}));
  CHECK(contains(error_of([&] { save(reserved, path); }), "a tensor may not be named '__metadata__'"));
  TensorState bad_utf8;
  bad_utf8.tensors.insert("w\xc3", ones({1}));
  CHECK(contains(error_of([&] { save(bad_utf8, path); }), "is not valid UTF-8"));
  bad_utf8.tensors.clear();
  bad_utf8.metadata["k"] = "\xed\xa0\x80";  // an encoded UTF-16 surrogate
  CHECK(contains(error_of([&] { save(bad_utf8, path); }), "metadata entry 'k' is not valid UTF-8"));

  CHECK(read_bytes(path) == before);
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("a save into a directory that does not exist fails and creates nothing") {
  ScratchDir dir("atomic");
  const std::string path = dir.file("missing/model.safetensors");
  CHECK(contains(error_of([&] { save(ones({1}), path); }),
                 "cannot create a temporary file in directory '" + dir.file("missing") + "' (No such file or directory)"));
  CHECK(dir.entries().empty());
}

TEST_CASE("a save whose final rename fails removes its temporary file and leaves the target as it was") {
  ScratchDir dir("atomic");
  // The target is a non-empty directory: the temporary is fully written, then the rename fails.
  std::filesystem::create_directory(dir.path() / "target");
  write_bytes(dir.file("target/keep"), "old");
  const std::string error = error_of([&] { save(ones({1000}), dir.file("target")); });
  CHECK(contains(error, "cannot replace it with the new file"));
  CHECK(contains(error, "the previous file is unchanged"));
  CHECK(dir.entries() == std::vector<std::string>{"target"});
  CHECK(read_bytes(dir.file("target/keep")) == "old");
}

TEST_CASE("a save to a path ending in a slash is refused") {
  CHECK(contains(error_of([] { save(ones({1}), "some/dir/"); }), "the path names a directory"));
}

TEST_CASE("a saved file gets the permissions of a freshly created file") {
  ScratchDir dir("atomic");
  const mode_t old_mask = ::umask(022);
  save(ones({1}), dir.file("x.safetensors"));
  ::umask(old_mask);
  struct stat info {};
  REQUIRE(::stat(dir.file("x.safetensors").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);
}
