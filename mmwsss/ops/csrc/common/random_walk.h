// Dense random walk on the CPU: num_steps products Y <- diag(inv_deg) A Y with a
// symmetric affinity matrix A per image.
//
// With T = A diag(1/deg) (columns normalised) and Y = seeds^T, one step
// seeds <- seeds T is Y <- diag(1/deg) A Y. The product of an N x N matrix with
// an N x C block streams A once per step without packing it, which is what a
// general GEMM spends most of its time on when C is small (21 classes).
#pragma once
#include <torch/extension.h>

namespace mmwsss {

// aff (B, N, N) symmetric, inv_deg (B, N), scores (B, N, C); float32, contiguous.
// Returns the (B, N, C) scores after num_steps steps.
at::Tensor dense_walk_cpu(const at::Tensor& aff, const at::Tensor& inv_deg,
                          const at::Tensor& scores, int64_t num_steps);

}  // namespace mmwsss
