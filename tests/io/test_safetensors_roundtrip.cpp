// Saving then loading gives back every tensor (dtype, shape, bytes), the metadata and checkpoints.
#include <cmath>
#include <limits>

#include "io/io_helpers.h"

using namespace ember;
using namespace ember::test;
using namespace ember::indexing;

namespace {

// One tensor per dtype, holding that dtype's extreme values.
TensorState every_dtype() {
  TensorState state;
  state.tensors.insert("bool", make<int>({1, 0, 1}, {3}, kBool));
  state.tensors.insert("u8", make<int>({0, 128, 255}, {3}, kByte));
  state.tensors.insert("i8", make<int>({-128, -1, 127}, {3}, kChar));
  state.tensors.insert("i16", make<int>({-32768, 7, 32767}, {3}, kShort));
  state.tensors.insert("i32", make<int64_t>({INT32_MIN, 0, INT32_MAX}, {3}, kInt));
  state.tensors.insert("i64", make<int64_t>({INT64_MIN, -5, INT64_MAX}, {3}, kLong));
  state.tensors.insert("f16", make<double>({65504.0, -0.0, 5.960464477539063e-08}, {3}, kHalf));
  state.tensors.insert("bf16", make<double>({-3.140625, 1e38, 0.0}, {3}, kBFloat16));
  state.tensors.insert("f32", make<double>({0.1, -1e-45, 3.4028234663852886e38}, {3}, kFloat));
  state.tensors.insert("f64", make<double>({0.1, -1e-300, std::numeric_limits<double>::infinity()}, {3}, kDouble));
  return state;
}

TensorState state_of(const std::string& name, const Tensor& t) {
  TensorState state;
  state.tensors.insert(name, t);
  return state;
}

TensorState metadata_only(std::map<std::string, std::string> metadata) {
  TensorState state;
  state.metadata = std::move(metadata);
  return state;
}

}  // namespace

TEST_CASE("every dtype round-trips through a file and through bytes with identical bits") {
  ScratchDir dir("roundtrip");
  const TensorState state = every_dtype();
  save(state, dir.file("all.safetensors"));
  for (const TensorState& back : {load(dir.file("all.safetensors")), load_from_bytes(save_to_bytes(state))}) {
    REQUIRE(back.tensors.size() == state.tensors.size());
    for (const auto& item : state.tensors) {
      CAPTURE(item.key());
      REQUIRE(back.tensors.contains(item.key()));
      check_same(back.tensors[item.key()], item.value());
    }
  }
}

TEST_CASE("NaN payloads and signed zeros keep their bits") {
  const Tensor t = make<double>({std::nan(""), -0.0, -std::numeric_limits<double>::infinity()}, {3}, kDouble);
  check_same(load_from_bytes(save_to_bytes(state_of("t", t))).tensors["t"], t);
}

TEST_CASE("0-d and empty tensors keep their shapes") {
  TensorState state;
  state.tensors.insert("scalar", make<double>({-7.25}, {}, kFloat));
  state.tensors.insert("empty", zeros({0}, kFloat));
  state.tensors.insert("empty_2d", zeros({3, 0, 2}, kLong));
  const TensorState back = load_from_bytes(save_to_bytes(state));
  CHECK(back.tensors["scalar"].dim() == 0);
  check_exact(back.tensors["scalar"], {-7.25});
  CHECK(shape(back.tensors["empty"]) == std::vector<int64_t>{0});
  CHECK(shape(back.tensors["empty_2d"]) == std::vector<int64_t>{3, 0, 2});
  CHECK(back.tensors["empty_2d"].dtype() == kLong);
}

TEST_CASE("non-contiguous tensors are written in row-major order and load contiguous") {
  const Tensor base = arange(24, kFloat).reshape({2, 3, 4});
  TensorState state;
  state.tensors.insert("transposed", base.transpose(0, 2));
  state.tensors.insert("strided", base.index({Slice(), Slice(None, None, 2), Slice(1, None, 2)}));
  state.tensors.insert("offset_view", base.select(0, 1).select(0, 2));
  state.tensors.insert("expanded", arange(3, kShort).expand({2, 3}));
  const TensorState back = load_from_bytes(save_to_bytes(state));
  check_exact(back.tensors["strided"], {1, 3, 9, 11, 13, 15, 21, 23});
  check_exact(back.tensors["offset_view"], {20, 21, 22, 23});
  check_exact(back.tensors["expanded"], {0, 1, 2, 0, 1, 2});
  CHECK(shape(back.tensors["transposed"]) == std::vector<int64_t>{4, 3, 2});
  CHECK(values(back.tensors["transposed"]) == values(base.transpose(0, 2)));
  for (const auto& item : back.tensors) CHECK(item.value().is_contiguous());
}

TEST_CASE("loaded tensors own their memory and do not require grad") {
  Tensor w = ones({2}, kFloat).requires_grad_();
  Tensor saved = w * 3;
  std::string bytes = save_to_bytes(state_of("w", saved));
  const Tensor back = load_from_bytes(bytes).tensors["w"];
  CHECK_FALSE(back.requires_grad());
  std::fill(bytes.begin(), bytes.end(), '\0');
  check_exact(back, {3, 3});
}

TEST_CASE("metadata round-trips, including JSON text and non-ASCII strings") {
  TensorState state;
  state.tensors.insert("x", ones({1}));
  state.metadata = {{"format", "pt"}, {"config", R"({"lr": 0.01, "betas": [0.9, 0.999]})"}, {"名前", "élan\n"}, {"", ""}};
  const TensorState back = load_from_bytes(save_to_bytes(state));
  CHECK(back.metadata == state.metadata);
}

TEST_CASE("a single tensor is stored under \"tensor\" and read back by load_tensor and load(Tensor&)") {
  ScratchDir dir("roundtrip");
  const Tensor t = make<double>({1, 2, 3, 4}, {2, 2}, kDouble);
  save(t, dir.file("t.safetensors"));
  CHECK(load(dir.file("t.safetensors")).tensors.keys() == std::vector<std::string>{kSavedTensorKey});
  check_same(load_tensor(dir.file("t.safetensors")), t);
  Tensor out;
  load(out, dir.file("t.safetensors"));
  check_same(out, t);
}

TEST_CASE("load_tensor reads a file's only tensor and refuses a file of several without \"tensor\"") {
  ScratchDir dir("roundtrip");
  save(std::map<std::string, Tensor>{{"only", ones({2})}}, dir.file("one.safetensors"));
  check_exact(load_tensor(dir.file("one.safetensors")), {1, 1});
  save(std::map<std::string, Tensor>{{"a", ones({1})}, {"b", ones({1})}}, dir.file("two.safetensors"));
  const std::string error = error_of([&] { load_tensor(dir.file("two.safetensors")); });
  CHECK(contains(error, "[load_tensor]"));
  CHECK(contains(error, "holds 2 tensors (a, b) and none is named 'tensor'"));
}

TEST_CASE("OrderedDict and std::map overloads save the same file as a TensorState") {
  ScratchDir dir("roundtrip");
  OrderedDict<std::string, Tensor> ordered;
  ordered.insert("z", ones({2}, kInt));
  ordered.insert("a", zeros({1}, kDouble));
  const std::map<std::string, Tensor> map = {{"z", ones({2}, kInt)}, {"a", zeros({1}, kDouble)}};
  TensorState state;
  state.tensors = ordered;
  state.metadata = {{"m", "1"}};
  save(ordered, dir.file("ordered.safetensors"), {{"m", "1"}});
  save(map, dir.file("map.safetensors"), {{"m", "1"}});
  save(state, dir.file("state.safetensors"));
  CHECK(read_bytes(dir.file("ordered.safetensors")) == read_bytes(dir.file("state.safetensors")));
  CHECK(read_bytes(dir.file("map.safetensors")) == read_bytes(dir.file("state.safetensors")));
}

TEST_CASE("saving over an existing file replaces it") {
  ScratchDir dir("roundtrip");
  save(ones({100}), dir.file("x.safetensors"));
  save(zeros({1}), dir.file("x.safetensors"));
  check_exact(load_tensor(dir.file("x.safetensors")), {0});
  CHECK(dir.entries() == std::vector<std::string>{"x.safetensors"});
}

TEST_CASE("a checkpoint round-trips model, optimizer, epoch, scalars and both states' metadata") {
  ScratchDir dir("checkpoint");
  Checkpoint ckpt;
  ckpt.model.tensors.insert("fc.weight", make<double>({1, 2, 3, 4}, {2, 2}));
  ckpt.model.tensors.insert("fc.bias", make<double>({0.5, -0.5}, {2}));
  ckpt.model.metadata["version"] = "3";
  ckpt.optimizer.tensors.insert("state.0.exp_avg", make<double>({0.1, 0.2}, {2}, kDouble));
  ckpt.optimizer.tensors.insert("state.0.step", make<double>({7}, {}, kFloat));
  ckpt.optimizer.metadata["param_groups"] = R"([{"lr": 0.001, "params": [0, 1]}])";
  ckpt.epoch = 12;
  ckpt.scalars = {{"loss", 0.1}, {"tiny", 1e-300}, {"best", -std::numeric_limits<double>::infinity()},
                  {"third", 1.0 / 3.0}};
  save_checkpoint(ckpt, dir.file("ckpt.safetensors"));

  const Checkpoint back = load_checkpoint(dir.file("ckpt.safetensors"));
  CHECK(back.epoch == 12);
  CHECK(back.scalars == ckpt.scalars);
  CHECK(back.model.metadata == ckpt.model.metadata);
  CHECK(back.optimizer.metadata == ckpt.optimizer.metadata);
  REQUIRE(back.model.tensors.size() == 2);
  REQUIRE(back.optimizer.tensors.size() == 2);
  for (const auto& item : ckpt.model.tensors) check_same(back.model.tensors[item.key()], item.value());
  for (const auto& item : ckpt.optimizer.tensors) check_same(back.optimizer.tensors[item.key()], item.value());
}

TEST_CASE("a checkpoint is a plain safetensors file with prefixed names and string metadata") {
  ScratchDir dir("checkpoint");
  Checkpoint ckpt;
  ckpt.model.tensors.insert("w", ones({1}));
  ckpt.optimizer.tensors.insert("m", zeros({1}));
  ckpt.model.metadata["arch"] = "mlp";
  ckpt.epoch = -1;
  ckpt.scalars = {{"loss", 0.25}, {"nan", std::nan("")}};
  save_checkpoint(ckpt, dir.file("ckpt.safetensors"));
  const TensorState raw_state = load(dir.file("ckpt.safetensors"));
  CHECK(raw_state.tensors.keys() == std::vector<std::string>{"model.w", "optimizer.m"});
  CHECK(raw_state.metadata == std::map<std::string, std::string>{
                                  {"epoch", "-1"}, {"model.arch", "mlp"}, {"scalars.loss", "0.25"}, {"scalars.nan", "nan"}});
  CHECK(std::isnan(load_checkpoint(dir.file("ckpt.safetensors")).scalars.at("nan")));
}

TEST_CASE("load_checkpoint refuses files that are not checkpoints") {
  ScratchDir dir("checkpoint");
  save(ones({1}), dir.file("plain.safetensors"));
  std::string error = error_of([&] { load_checkpoint(dir.file("plain.safetensors")); });
  CHECK(contains(error, "[load_checkpoint] safetensors file '" + dir.file("plain.safetensors") + "'"));
  CHECK(contains(error, "tensor 'tensor' belongs to neither the model nor the optimizer"));

  save(metadata_only({{"epoch", "twelve"}}), dir.file("epoch.safetensors"));
  error = error_of([&] { load_checkpoint(dir.file("epoch.safetensors")); });
  CHECK(contains(error, "metadata 'epoch' is 'twelve'; expected an integer"));

  save(metadata_only({{"scalars.loss", "0.5x"}}), dir.file("scalar.safetensors"));
  error = error_of([&] { load_checkpoint(dir.file("scalar.safetensors")); });
  CHECK(contains(error, "metadata 'scalars.loss' is '0.5x'; expected a number"));

  save(metadata_only({{"format", "pt"}}), dir.file("other.safetensors"));
  error = error_of([&] { load_checkpoint(dir.file("other.safetensors")); });
  CHECK(contains(error, "unknown metadata 'format'"));
}
