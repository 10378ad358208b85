// The safetensors byte layout: files built by hand from the spec, ember's own bytes, and Python's files.
#include "io/io_helpers.h"

using namespace ember;
using namespace ember::test;

TEST_CASE("a file built byte by byte from the spec loads with the right dtypes, shapes and values") {
  const std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"I16","shape":[1,1],"data_offsets":[8,10]},)"
      R"("__metadata__":{"format":"pt"}})";
  // 141 header bytes (unpadded: readers must not rely on alignment); 1.5f = 0x3fc00000, -2.0f = 0xc0000000, int16 -2 = 0xfffe, all little-endian.
  const std::string data = std::string("\x00\x00\xc0\x3f\x00\x00\x00\xc0\xfe\xff", 10);
  const std::string bytes = std::string("\x8d\x00\x00\x00\x00\x00\x00\x00", 8) + header + data;
  REQUIRE(header.size() == 0x8d);

  ScratchDir dir("format");
  write_bytes(dir.file("hand.safetensors"), bytes);
  for (const TensorState& state : {load(dir.file("hand.safetensors")), load_from_bytes(bytes)}) {
    REQUIRE(state.tensors.size() == 2);
    CHECK(state.tensors[0].key() == "a");
    CHECK(state.tensors["a"].dtype() == kFloat);
    CHECK(shape(state.tensors["a"]) == std::vector<int64_t>{2});
    check_exact(state.tensors["a"], {1.5, -2.0});
    CHECK(state.tensors["b"].dtype() == kShort);
    CHECK(shape(state.tensors["b"]) == std::vector<int64_t>{1, 1});
    check_exact(state.tensors["b"], {-2});
    CHECK(state.metadata == std::map<std::string, std::string>{{"format", "pt"}});
  }
}

TEST_CASE("ember writes the header length, a compact JSON header padded with spaces to 8 bytes, then the data") {
  TensorState state;
  state.tensors.insert("b", make<double>({1.5, -2.0}, {2}, kFloat));
  state.tensors.insert("a", make<int64_t>({3}, {1}, kLong));
  state.metadata["k"] = "v";
  // Tensors are laid out by descending dtype alignment (I64 before F32), then by name.
  std::string json =
      R"({"__metadata__":{"k":"v"},)"
      R"("a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  json.append((8 - json.size() % 8) % 8, ' ');
  const std::string expected =
      le64(json.size()) + json + raw<int64_t>(3) + std::string("\x00\x00\xc0\x3f\x00\x00\x00\xc0", 8);
  CHECK(json.size() % 8 == 0);
  CHECK(save_to_bytes(state) == expected);

  ScratchDir dir("format");
  save(state, dir.file("out.safetensors"));
  CHECK(read_bytes(dir.file("out.safetensors")) == expected);
}

TEST_CASE("the layout order is I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL, then names") {
  TensorState state;
  const std::vector<std::pair<std::string, ScalarType>> given = {
      {"bool", kBool}, {"u8", kByte}, {"i8", kChar}, {"i16", kShort}, {"f16", kHalf},
      {"bf16", kBFloat16}, {"i32", kInt}, {"f32b", kFloat}, {"f32a", kFloat}, {"f64", kDouble}, {"i64", kLong}};
  for (const auto& [name, dtype] : given) state.tensors.insert(name, ones({1}, dtype));
  const TensorState back = load_from_bytes(save_to_bytes(state));
  // load returns tensors in the order their data lies in the file.
  CHECK(back.tensors.keys() ==
        std::vector<std::string>{"i64", "f64", "f32a", "f32b", "i32", "bf16", "f16", "i16", "i8", "u8", "bool"});
}

TEST_CASE("names and metadata are escaped in the header as serde_json escapes them") {
  TensorState state;
  state.tensors.insert("q\"b\\s\n\x01é", zeros({0}, kByte));
  state.metadata["j"] = "{\"lr\": 0.1}\t";
  const std::string bytes = save_to_bytes(state);
  const std::string json(bytes.substr(8, bytes.size() - 8));
  CHECK(contains(json, R"("q\"b\\s\n\u0001é":{"dtype":"U8","shape":[0],"data_offsets":[0,0]})"));
  CHECK(contains(json, R"({"__metadata__":{"j":"{\"lr\": 0.1}\t"},)"));
  const TensorState back = load_from_bytes(bytes);
  CHECK(back.tensors[0].key() == "q\"b\\s\n\x01é");
  CHECK(back.metadata.at("j") == "{\"lr\": 0.1}\t");
}

TEST_CASE("an empty state is the header {} padded to 8 bytes") {
  CHECK(save_to_bytes(TensorState{}) == le64(8) + "{}      ");
  CHECK(load_from_bytes(le64(8) + "{}      ").tensors.is_empty());
}

// tests/data_files/python_fixture.safetensors is written by scripts/golden/safetensors_fixture.py with
// safetensors 0.8.0 (Python) from torch 1.13 tensors.
TEST_CASE("a file written by Python's safetensors loads with PyTorch's values") {
  const TensorState state = load(data_file("python_fixture.safetensors"));
  // The order of safetensors.torch.load_file: the order of the data in the file.
  CHECK(state.tensors.keys() == std::vector<std::string>{"long", "bias", "empty", "scalar", "weight", "int", "brain",
                                                         "half", "layer.0.名前", "short", "char", "byte", "mask"});
  CHECK(state.metadata == std::map<std::string, std::string>{{"config", "{\"lr\": 0.1, \"name\": \"modèle\n\t\\\"}"}});
  const auto& t = state.tensors;
  CHECK(t["weight"].dtype() == kFloat);
  CHECK(shape(t["weight"]) == std::vector<int64_t>{2, 3});
  check_exact(t["weight"], {0.5, -1.25, 3.0, 9.99999993922529e-09, -0.0, 65504.0});
  CHECK(t["bias"].dtype() == kDouble);
  check_exact(t["bias"], {0.1, -2.5, 1e+300});
  CHECK(t["half"].dtype() == kHalf);
  check_exact(t["half"], {1.5, -2.0, 65504.0, 6.103515625e-05});
  CHECK(t["brain"].dtype() == kBFloat16);
  check_exact(t["brain"], {1.0, -3.140625});
  CHECK(t["long"].dtype() == kLong);
  CHECK(shape(t["long"]) == std::vector<int64_t>{2, 2});
  CHECK(t["long"].to_vector<int64_t>() == std::vector<int64_t>{1099511627776, -1, -4611686018427387904, 7});
  CHECK(t["int"].dtype() == kInt);
  check_exact(t["int"], {-7, 0, 2147483647});
  CHECK(t["short"].dtype() == kShort);
  check_exact(t["short"], {-32768, 1234});
  CHECK(t["char"].dtype() == kChar);
  check_exact(t["char"], {-128, 0, 127});
  CHECK(t["byte"].dtype() == kByte);
  check_exact(t["byte"], {0, 200, 255});
  CHECK(t["mask"].dtype() == kBool);
  check_exact(t["mask"], {1, 0, 0, 1});
  CHECK(t["scalar"].dim() == 0);
  check_exact(t["scalar"], {2.5});
  CHECK(shape(t["empty"]) == std::vector<int64_t>{0, 3});
  check_exact(t["layer.0.名前"], {1, 2});
}

TEST_CASE("ember writes Python's fixture back byte for byte") {
  const std::string path = data_file("python_fixture.safetensors");
  CHECK(save_to_bytes(load(path)) == read_bytes(path));
}
