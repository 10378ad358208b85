// Datasets: TensorDataset indexing, map() composition and their errors.
#include "helpers.h"

using namespace ember;
using namespace ember::data;

TEST_CASE("TensorDataset example i is the i-th slice of data and target") {
  TensorDataset dataset(arange(6, kFloat).reshape({3, 2}), tensor({7, 8, 9}));
  CHECK(dataset.size() == 3u);
  Example<> example = dataset.get(1);
  test::check_exact(example.data, {2, 3});
  CHECK(example.target.item<int64_t>() == 8);
}

TEST_CASE("TensorDataset rejects tensors of different lengths and out-of-range indices") {
  CHECK(test::contains(test::error_of([] { TensorDataset(zeros({3, 2}), zeros({4})); }),
                       "size mismatch between tensors: tensor 0 has 3 examples"));
  CHECK(test::contains(test::error_of([] { TensorDataset(tensor(1.0)); }), "0-dim tensor"));
  TensorDataset dataset(zeros({3, 2}));
  CHECK(test::contains(test::error_of([&] { dataset.get(3); }),
                       "[TensorDataset] index 3 is out of range for a dataset of 3 examples"));
}

TEST_CASE("TensorListDataset returns one slice per tensor") {
  TensorListDataset dataset({arange(3, kFloat), arange(6, kLong).reshape({3, 2})});
  std::vector<Tensor> example = dataset.get(2);
  REQUIRE(example.size() == 2);
  CHECK(example[0].item<float>() == 2.0f);
  test::check_exact(example[1], {4, 5});
  CHECK(test::contains(test::error_of([] { TensorListDataset({}); }), "at least one tensor"));
}

TEST_CASE("map with a tensor transform changes the data of each example and keeps its target") {
  auto dataset = TensorDataset(arange(4, kFloat).reshape({2, 2}), tensor({5, 6})).map([](const Tensor& x) {
    return x * 10;
  });
  CHECK(dataset.size() == 2u);
  Example<> example = dataset.get(1);
  test::check_exact(example.data, {20, 30});
  CHECK(example.target.item<int64_t>() == 6);
}

TEST_CASE("map with an example transform replaces the whole example, and maps chain") {
  auto dataset = TensorDataset(arange(2, kFloat), tensor({1, 0}))
                     .map([](Example<> e) { return Example<>(e.target.to(kFloat), e.data); })
                     .map([](const Tensor& x) { return x + 1; });
  Example<> example = dataset.get(0);
  CHECK(example.data.item<float>() == 2.0f);
  CHECK(example.target.item<float>() == 0.0f);
}
