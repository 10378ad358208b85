// A training run saved to a checkpoint mid-way and resumed continues exactly as the uninterrupted run.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

struct Run {
  nn::Sequential model{nullptr};
  std::unique_ptr<optim::Adam> optimizer;
  Run() {
    manual_seed(3);
    model = nn::Sequential(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 2));
    optimizer = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(1e-2));
  }
  double step(int i) {
    Generator gen(uint64_t(100 + i));
    Tensor x = randn({16, 4}, gen);
    Tensor y = randint(0, 2, {16}, gen);
    optimizer->zero_grad();
    Tensor loss = cross_entropy(model(x), y);
    loss.backward();
    optimizer->step();
    return loss.item<double>();
  }
};

}  // namespace

TEST_CASE("saving model and optimizer state mid-training and resuming reproduces the uninterrupted run") {
  const std::string path = (std::filesystem::temp_directory_path() / "ember_resume_test.safetensors").string();
  Run straight;
  std::vector<double> expected;
  for (int i = 0; i < 6; ++i) expected.push_back(straight.step(i));

  Run first;
  for (int i = 0; i < 3; ++i) CHECK(first.step(i) == expected[size_t(i)]);
  save_checkpoint({first.model->state_dict(), first.optimizer->state_dict(), /*epoch=*/3, {{"loss", expected[2]}}},
                  path);

  Run resumed;  // fresh weights and optimizer state, overwritten from the file
  const Checkpoint checkpoint = load_checkpoint(path);
  resumed.model->load_state_dict(checkpoint.model);
  resumed.optimizer->load_state_dict(checkpoint.optimizer);
  CHECK(checkpoint.epoch == 3);
  CHECK(checkpoint.scalars.at("loss") == expected[2]);
  for (int i = 3; i < 6; ++i) CHECK(resumed.step(i) == expected[size_t(i)]);
  CHECK(test::values(resumed.model->parameters()[0]) == test::values(straight.model->parameters()[0]));
  std::remove(path.c_str());
}
