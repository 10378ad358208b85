// Samplers: orders equal PyTorch's for the same seeded generator (values from scripts/golden/data.py).
#include "helpers.h"

using namespace ember;
using namespace ember::data;
using namespace ember::data::samplers;

using Indices = std::vector<size_t>;

TEST_CASE("SequentialSampler yields 0..n-1 every epoch") {
  SequentialSampler sampler(5);
  CHECK(sampler.size() == 5);
  CHECK(sampler.indices() == Indices{0, 1, 2, 3, 4});
  CHECK(sampler.indices() == Indices{0, 1, 2, 3, 4});
}

TEST_CASE("RandomSampler with a seeded generator gives PyTorch's permutation, epoch after epoch") {
  struct Case {
    uint64_t seed;
    Indices epoch1, epoch2;
  };
  const std::vector<Case> cases = {
      {0, {4, 1, 7, 5, 3, 9, 0, 8, 6, 2}, {4, 0, 8, 5, 9, 1, 6, 3, 7, 2}},
      {42, {2, 6, 1, 8, 4, 5, 0, 9, 3, 7}, {7, 5, 0, 3, 1, 6, 9, 8, 4, 2}},
      {2024, {2, 3, 0, 8, 7, 5, 1, 9, 4, 6}, {1, 2, 9, 0, 4, 8, 3, 6, 7, 5}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.seed);
    RandomSampler sampler(10, false, std::nullopt, Generator(c.seed));
    CHECK(sampler.size() == 10);
    CHECK(sampler.indices() == c.epoch1);
    CHECK(sampler.indices() == c.epoch2);
  }
}

TEST_CASE("RandomSampler with num_samples above n chains whole permutations, then part of one more") {
  RandomSampler sampler(10, false, 25, Generator(7));
  CHECK(sampler.size() == 25);
  CHECK(sampler.indices() == Indices{5, 0, 3, 4, 1, 7, 9, 6, 8, 2, 1, 8, 9, 5, 7, 4, 0, 3, 6, 2, 3, 7, 6, 2, 9});
}

TEST_CASE("RandomSampler with replacement draws randint in PyTorch's order") {
  RandomSampler sampler(10, true, 40, Generator(7));
  CHECK(sampler.indices() == Indices{5, 2, 1, 6, 3, 7, 7, 9, 8, 1, 8, 1, 8, 7, 2, 0, 6, 2, 3, 8,
                                     6, 0, 5, 1, 8, 8, 3, 7, 0, 8, 1, 0, 6, 3, 5, 6, 6, 7, 5, 0});
  RandomSampler small(5, true, std::nullopt, Generator(3));
  CHECK(small.indices() == Indices{1, 3, 2, 2, 0});
}

TEST_CASE("RandomSampler without a generator seeds each epoch from the default generator") {
  manual_seed(11);
  RandomSampler sampler(8);
  const Indices first = sampler.indices();
  manual_seed(11);
  CHECK(RandomSampler(8).indices() == first);
  Indices sorted = first;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == Indices{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("RandomSampler rejects an empty dataset and num_samples 0") {
  CHECK(test::contains(test::error_of([] { RandomSampler(0); }), "num_samples should be a positive integer"));
  CHECK(test::contains(test::error_of([] { RandomSampler(4, false, 0); }), "num_samples=0"));
}

TEST_CASE("BatchSampler groups an epoch, keeping or dropping the short last batch") {
  auto sequential = std::make_shared<SequentialSampler>(7);
  BatchSampler keep(sequential, 3, false);
  CHECK(keep.size() == 3);
  CHECK(keep.batches() == std::vector<Indices>{{0, 1, 2}, {3, 4, 5}, {6}});
  BatchSampler drop(sequential, 3, true);
  CHECK(drop.size() == 2);
  CHECK(drop.batches() == std::vector<Indices>{{0, 1, 2}, {3, 4, 5}});
  BatchSampler exact(std::make_shared<SequentialSampler>(6), 3, true);
  CHECK(exact.size() == 2);
  CHECK(exact.batches().size() == 2);
}

TEST_CASE("BatchSampler over a RandomSampler batches its permutation") {
  BatchSampler batches(std::make_shared<RandomSampler>(10, false, std::nullopt, Generator(0)), 4, false);
  CHECK(batches.batches() == std::vector<Indices>{{4, 1, 7, 5}, {3, 9, 0, 8}, {6, 2}});
}

TEST_CASE("BatchSampler rejects batch_size 0 and a null sampler") {
  CHECK(test::contains(test::error_of([] { BatchSampler(std::make_shared<SequentialSampler>(3), 0, false); }),
                       "batch_size should be a positive integer"));
  CHECK(test::contains(test::error_of([] { BatchSampler(nullptr, 2, false); }), "null pointer"));
}
