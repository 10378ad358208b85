// Trains an MLP on three interleaved 2-D spirals (generated here) with Adam and a shuffling DataLoader.
// Expected: above 95% training accuracy after 40 epochs; one progress line per epoch.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "ember.h"

using namespace ember;

namespace {

// `per_class` points on each of `classes` spiral arms, with Gaussian jitter: (points [N, 2], labels [N]).
std::pair<Tensor, Tensor> make_spirals(int64_t per_class, int64_t classes, Generator& gen) {
  Tensor radius = linspace(0.0, 1.0, per_class, TensorOptions(kFloat));
  std::vector<Tensor> points, labels;
  for (int64_t c = 0; c < classes; ++c) {
    Tensor angle = linspace(double(c) * 4.0, double(c + 1) * 4.0, per_class) + randn({per_class}, gen) * 0.2;
    points.push_back(stack({radius * sin(angle), radius * cos(angle)}, 1));
    labels.push_back(full({per_class}, c, TensorOptions(kLong)));
  }
  return {cat(points), cat(labels)};
}

}  // namespace

int main() {
  manual_seed(0);
  Generator gen(0);
  auto [points, labels] = make_spirals(/*per_class=*/300, /*classes=*/3, gen);

  nn::Sequential model(nn::Linear(2, 64), nn::ReLU(), nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 3));
  optim::Adam optimizer(model->parameters(), optim::AdamOptions(1e-2));
  data::DataLoader loader(data::TensorDataset(points, labels),
                          data::DataLoaderOptions().batch_size(32).shuffle(true).generator(Generator(1)));

  std::cout << *model << "\n";
  double accuracy = 0;
  for (int epoch = 1; epoch <= 40; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    for (auto& batch : loader) {
      optimizer.zero_grad();
      Tensor logits = model(batch.data);
      Tensor loss = cross_entropy(logits, batch.target);
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>() * double(batch.target.size(0));
      correct += logits.argmax(1).eq(batch.target).sum().item<int64_t>();
      seen += batch.target.size(0);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    accuracy = double(correct) / double(seen);
    std::printf("epoch %2d  loss %.4f  accuracy %5.1f%%  %8.0f samples/s\n", epoch, loss_sum / double(seen),
                100 * accuracy, double(seen) / seconds);
  }
  std::printf("final training accuracy %.1f%% (expected above 95%%)\n", 100 * accuracy);
  return accuracy > 0.95 ? 0 : 1;
}
