// MlpNet: the Eigen forward pass of a learned policy (model_file.h), without libtorch.
//
//   x  = features (FeatureBuilder::Build output, not normalised)
//   x' = (x - mean) / std, clipped to [-clip, clip] if clip > 0     (when the model has normalisation)
//   h  = act(W_i h + b_i) for each hidden layer (act = tanh or relu; W_i is [out, in] as in PyTorch's
//        nn.Linear, so this is y = x W^T + b)
//   logits = W_a h + b_a (one layer split into heads, or one layer per head)
//   action[h] = argmax of head h's logits; ties go to the first index (as torch.argmax)
//
// The weights are F32 (as stored) but the arithmetic is in double: the result is the exact value
// of the network to ~1e-15, independent of summation order, so a float32 PyTorch module with the
// same weights differs from it only by its own rounding (about 1e-6 relative), well inside the
// 1e-5 the trainers check. Normalisation follows Stable-Baselines3's VecNormalize, which also
// computes it in double. The value head, if any, is not evaluated.
//
// Forward does not allocate: every buffer is sized at construction.
// Thread-safety: Forward mutates internal buffers; one MlpNet per thread (construction from the
// same LearnedModel in several threads is fine).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "common/status.h"
#include "policy/learned/model_file.h"

namespace podpilot::learned {

class MlpNet {
 public:
  // Copies the weights of `model`; InvalidArgument if ValidateModel refuses it.
  static StatusOr<MlpNet> Create(const LearnedModel& model);

  int input_size() const { return input_size_; }
  int num_heads() const { return static_cast<int>(head_sizes_.size()); }
  const std::vector<int>& head_sizes() const { return head_sizes_; }

  // Runs the network on input_size() floats and writes num_heads() argmax indices to `actions`.
  // Returns false (actions unspecified) if a logit is not finite: weights are finite and double
  // cannot overflow on float inputs, so only a NaN or infinite input (which FeatureBuilder never
  // produces) not tamed by clipped normalisation can cause it. The caller should then fall back.
  bool Forward(const float* features, int32_t* actions);

  // The logits of the last Forward call, all heads concatenated (size = sum of head sizes).
  const Eigen::VectorXd& logits() const { return logits_; }

 private:
  using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  struct Layer {
    RowMajorMatrix w;   // [out, in], the PyTorch layout
    Eigen::VectorXd b;
  };
  MlpNet() = default;

  int input_size_ = 0;
  Activation activation_ = Activation::kTanh;
  bool normalize_ = false;
  double clip_ = 0;
  Eigen::VectorXd mean_, std_;
  std::vector<Layer> hidden_;
  std::vector<Layer> heads_;          // one (concat) or one per head
  std::vector<int> head_sizes_;
  std::vector<Eigen::VectorXd> act_;  // act_[0] = normalised input, act_[i+1] = hidden layer i output
  Eigen::VectorXd logits_;
};

}  // namespace podpilot::learned
