#include "rl/export.h"

namespace podpilot::rl {
namespace {

learned::Tensor ToModelTensor(const torch::Tensor& t) {
  learned::Tensor out;
  const torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  for (int64_t d : c.sizes()) out.shape.push_back(d);
  out.data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  return out;
}

}  // namespace

StatusOr<learned::LearnedModel> ExportModelWithHead(const Mlp& trunk_net, const torch::Tensor& head_weight,
                                                    const torch::Tensor& head_bias, const learned::FeatureLayout& features,
                                                    const learned::ActionLayout& actions,
                                                    const learned::Provenance& provenance) {
  learned::LearnedModel m;
  m.features = features;
  m.actions = actions;
  std::vector<int> hidden;
  for (const auto& layer : trunk_net->hidden_layers()) {
    hidden.push_back(static_cast<int>(layer->weight.size(0)));
    m.hidden.push_back(ToLinearLayer(layer->weight, layer->bias));
  }
  PP_ASSIGN_OR_RETURN(m.arch, learned::MakeMlpArchitecture(features, actions, hidden, trunk_net->activation(),
                                                           learned::LogitsLayout::kConcat));
  m.heads.push_back(ToLinearLayer(head_weight, head_bias));
  m.provenance = provenance;
  PP_RETURN_IF_ERROR(learned::ValidateModel(m, "export"));
  return m;
}

StatusOr<learned::LearnedModel> ExportModel(const Mlp& logits_net, const Mlp* value_net,
                                            const learned::FeatureLayout& features,
                                            const learned::ActionLayout& actions, const learned::Provenance& provenance) {
  const auto& out = logits_net->output_layer();
  PP_ASSIGN_OR_RETURN(auto m, ExportModelWithHead(logits_net, out->weight, out->bias, features, actions, provenance));
  if (value_net != nullptr) {
    const auto& layers = (*value_net)->hidden_layers();
    for (size_t i = 0; i < layers.size(); ++i) {
      m.value_tensors["value." + std::to_string(i) + ".weight"] = ToModelTensor(layers[i]->weight);
      m.value_tensors["value." + std::to_string(i) + ".bias"] = ToModelTensor(layers[i]->bias);
    }
    m.value_tensors["value.out.weight"] = ToModelTensor((*value_net)->output_layer()->weight);
    m.value_tensors["value.out.bias"] = ToModelTensor((*value_net)->output_layer()->bias);
    PP_RETURN_IF_ERROR(learned::ValidateModel(m, "export"));
  }
  return m;
}

}  // namespace podpilot::rl
