// Local weighted sums over a table of tap offsets: the core of pixel-adaptive
// convolution (PAC), PAMR and local random walks.
//
//   out[b, c, y, x] = sum_t weight[b, t, y, x] * input[b, c, y*s + dy_t, x*s + dx_t]
//
// Positions outside the input are zero (pad_mode 0) or clamped to the border
// (pad_mode 1, replicate padding). offsets is an int32 (T, 2) tensor of (dy, dx).
#pragma once
#include <torch/extension.h>

namespace mmwsss {

// forward
void local_weighted_sum_forward_cpu(const at::Tensor& input, const at::Tensor& weight,
                                    const at::Tensor& offsets, at::Tensor& out,
                                    int64_t stride, int64_t pad_mode);
// d out / d input
void local_weighted_sum_backward_input_cpu(const at::Tensor& grad_out, const at::Tensor& weight,
                                           const at::Tensor& offsets, at::Tensor& grad_input,
                                           int64_t stride, int64_t pad_mode);
// local dot products: res[b, t, y, x] = sum_c a[b, c, y, x] * b[b, c, y*s + dy_t, x*s + dx_t]
// (d out / d weight with a = grad_out, b = input)
void local_dot_cpu(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
                   at::Tensor& res, int64_t stride, int64_t pad_mode);
// num_steps local weighted sums (zero padding, stride 1) of seeds (B, C, H, W); with clamp,
// the pixels whose seed scores sum to > 0 are reset to their seeds after every step
void local_walk_cpu(const at::Tensor& seeds, const at::Tensor& weight, const at::Tensor& offsets,
                    at::Tensor& out, int64_t num_steps, bool clamp);

#ifdef WITH_CUDA
void local_weighted_sum_forward_cuda(const at::Tensor& input, const at::Tensor& weight,
                                     const at::Tensor& offsets, at::Tensor& out,
                                     int64_t stride, int64_t pad_mode);
void local_weighted_sum_backward_input_cuda(const at::Tensor& grad_out, const at::Tensor& weight,
                                            const at::Tensor& offsets, at::Tensor& grad_input,
                                            int64_t stride, int64_t pad_mode);
void local_dot_cuda(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
                    at::Tensor& res, int64_t stride, int64_t pad_mode);
#endif

}  // namespace mmwsss
