// Dataset: the indexed-dataset interface (libtorch's torch::data::Dataset), map() composition and TensorDataset.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/data/example.h"
#include "eager/tensor.h"

namespace ember::data {

template <typename Source, typename Transform>
class MapDataset;

// A dataset of `size()` examples fetched by index. Self is the derived class (CRTP), which lets map()
// return a typed MapDataset. A DataLoader with workers calls get() from several threads at once, so
// get() must not modify shared state without its own locking.
template <typename Self, typename SingleExample = Example<>>
class Dataset {
 public:
  using ExampleType = SingleExample;

  virtual ~Dataset() = default;
  virtual ExampleType get(size_t index) = 0;
  // std::nullopt for a dataset of unknown size (a DataLoader needs a size).
  virtual std::optional<size_t> size() const = 0;

  // A dataset whose examples are transform(get(i)); a transform of Tensors applied to an Example
  // changes its data only (libtorch's TensorTransform), e.g. `dataset.map(transforms::Normalize(...))`.
  template <typename Transform>
  MapDataset<Self, Transform> map(Transform transform) & {
    return MapDataset<Self, Transform>(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename Transform>
  MapDataset<Self, Transform> map(Transform transform) && {
    return MapDataset<Self, Transform>(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

namespace detail {
// What Transform makes of an ExampleT: the whole example if it accepts one, else the data of an Example.
template <typename ExampleT, typename Transform, typename = void>
struct MappedExample {
  using type = Example<std::invoke_result_t<const Transform&, const typename ExampleT::DataType&>,
                       typename ExampleT::TargetType>;
  static type apply(const Transform& transform, ExampleT example) {
    return type(transform(example.data), std::move(example.target));
  }
};
template <typename ExampleT, typename Transform>
struct MappedExample<ExampleT, Transform, std::enable_if_t<std::is_invocable_v<const Transform&, ExampleT>>> {
  using type = std::invoke_result_t<const Transform&, ExampleT>;
  static type apply(const Transform& transform, ExampleT example) { return transform(std::move(example)); }
};
}  // namespace detail

// libtorch's MapDataset: a source dataset with a transform applied to each example it returns.
template <typename Source, typename Transform>
class MapDataset
    : public Dataset<MapDataset<Source, Transform>,
                     typename detail::MappedExample<typename Source::ExampleType, Transform>::type> {
  using Mapped = detail::MappedExample<typename Source::ExampleType, Transform>;

 public:
  using ExampleType = typename Mapped::type;

  MapDataset(Source source, Transform transform) : source_(std::move(source)), transform_(std::move(transform)) {}

  ExampleType get(size_t index) override { return Mapped::apply(transform_, source_.get(index)); }
  std::optional<size_t> size() const override { return source_.size(); }

  const Source& dataset() const { return source_; }
  const Transform& transform() const { return transform_; }

 private:
  Source source_;
  Transform transform_;
};

// PyTorch's TensorDataset for the usual (data, target) pair: example i is {data[i], target[i]}.
// A dataset of data alone leaves every target undefined (and its batches' targets too).
class TensorDataset : public Dataset<TensorDataset, Example<>> {
 public:
  explicit TensorDataset(Tensor data, Tensor target = Tensor());

  Example<> get(size_t index) override;
  std::optional<size_t> size() const override;

  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 private:
  Tensor data_, target_;
};

// PyTorch's TensorDataset(*tensors) for any number of tensors: example i is {t[i] for t in tensors}, and a
// batch stacks each position.
class TensorListDataset : public Dataset<TensorListDataset, std::vector<Tensor>> {
 public:
  explicit TensorListDataset(std::vector<Tensor> tensors);

  std::vector<Tensor> get(size_t index) override;
  std::optional<size_t> size() const override;

  const std::vector<Tensor>& tensors() const { return tensors_; }

 private:
  std::vector<Tensor> tensors_;
};

}  // namespace ember::data
