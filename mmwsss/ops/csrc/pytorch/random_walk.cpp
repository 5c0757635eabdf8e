// Python-facing checks of the dense random walk (CPU kernel; the GPU uses cuBLAS
// batched products from Python).
#include "random_walk.h"

namespace mmwsss {

at::Tensor dense_walk(const at::Tensor& aff, const at::Tensor& inv_deg,
                      const at::Tensor& scores, int64_t num_steps) {
  TORCH_CHECK(aff.device().is_cpu() && inv_deg.device().is_cpu() && scores.device().is_cpu(),
              "dense_walk: CPU tensors only, got aff on ", aff.device(), ", inv_deg on ",
              inv_deg.device(), " and scores on ", scores.device());
  TORCH_CHECK(aff.dim() == 3 && aff.size(1) == aff.size(2),
              "dense_walk: aff must be (B, N, N)");
  TORCH_CHECK(inv_deg.dim() == 2 && scores.dim() == 3,
              "dense_walk: inv_deg must be (B, N) and scores (B, N, C)");
  TORCH_CHECK(inv_deg.size(0) == aff.size(0) && scores.size(0) == aff.size(0) &&
                  inv_deg.size(1) == aff.size(1) && scores.size(1) == aff.size(1),
              "dense_walk: sizes differ");
  TORCH_CHECK(aff.scalar_type() == at::kFloat && inv_deg.scalar_type() == at::kFloat &&
                  scores.scalar_type() == at::kFloat,
              "dense_walk: float32 tensors only");
  TORCH_CHECK(num_steps >= 0, "dense_walk: num_steps must be >= 0");
  return dense_walk_cpu(aff.contiguous(), inv_deg.contiguous(), scores.contiguous(),
                        num_steps);
}

}  // namespace mmwsss
