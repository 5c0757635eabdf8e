// CUDA kernels of the local weighted-sum ops (see common/local_ops.h).
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "local_ops.h"

namespace mmwsss {
namespace {

constexpr int kThreads = 256;

inline int blocks_for(int64_t n) {
  return static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 64));
}

__device__ __forceinline__ bool source(int64_t iy, int64_t ix, int64_t H, int64_t W,
                                       int64_t pad_mode, int64_t& sy, int64_t& sx) {
  if (pad_mode == 1) {
    sy = iy < 0 ? 0 : (iy >= H ? H - 1 : iy);
    sx = ix < 0 ? 0 : (ix >= W ? W - 1 : ix);
    return true;
  }
  sy = iy;
  sx = ix;
  return iy >= 0 && iy < H && ix >= 0 && ix < W;
}

// one thread per output element (b, c, y, x)
template <typename scalar_t>
__global__ void forward_kernel(const scalar_t* __restrict__ in, const scalar_t* __restrict__ w,
                               const int* __restrict__ off, scalar_t* __restrict__ out,
                               int64_t B, int64_t C, int64_t H, int64_t W, int64_t T,
                               int64_t Ho, int64_t Wo, int64_t stride, int64_t pad_mode) {
  const int64_t n = B * C * Ho * Wo;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)blockDim.x * gridDim.x) {
    const int64_t x = i % Wo, y = (i / Wo) % Ho, c = (i / (Wo * Ho)) % C, b = i / (Wo * Ho * C);
    const scalar_t* plane = in + (b * C + c) * H * W;
    const scalar_t* wp = w + b * T * Ho * Wo + y * Wo + x;
    scalar_t acc = 0;
    for (int64_t t = 0; t < T; ++t) {
      int64_t sy, sx;
      if (source(y * stride + off[2 * t], x * stride + off[2 * t + 1], H, W, pad_mode, sy, sx))
        acc += wp[t * Ho * Wo] * plane[sy * W + sx];
    }
    out[i] = acc;
  }
}

// one thread per output element; scatters into the input gradient
template <typename scalar_t>
__global__ void backward_input_kernel(const scalar_t* __restrict__ go,
                                      const scalar_t* __restrict__ w,
                                      const int* __restrict__ off, scalar_t* __restrict__ gi,
                                      int64_t B, int64_t C, int64_t H, int64_t W, int64_t T,
                                      int64_t Ho, int64_t Wo, int64_t stride,
                                      int64_t pad_mode) {
  const int64_t n = B * C * Ho * Wo;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)blockDim.x * gridDim.x) {
    const int64_t x = i % Wo, y = (i / Wo) % Ho, c = (i / (Wo * Ho)) % C, b = i / (Wo * Ho * C);
    const scalar_t g = go[i];
    scalar_t* plane = gi + (b * C + c) * H * W;
    const scalar_t* wp = w + b * T * Ho * Wo + y * Wo + x;
    for (int64_t t = 0; t < T; ++t) {
      int64_t sy, sx;
      if (source(y * stride + off[2 * t], x * stride + off[2 * t + 1], H, W, pad_mode, sy, sx))
        atomicAdd(plane + sy * W + sx, wp[t * Ho * Wo] * g);
    }
  }
}

// one thread per result element (b, t, y, x), summing over channels
template <typename scalar_t>
__global__ void local_dot_kernel(const scalar_t* __restrict__ a, const scalar_t* __restrict__ bt,
                                 const int* __restrict__ off, scalar_t* __restrict__ res,
                                 int64_t B, int64_t C, int64_t H, int64_t W, int64_t T,
                                 int64_t Ho, int64_t Wo, int64_t stride, int64_t pad_mode) {
  const int64_t n = B * T * Ho * Wo;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n;
       i += (int64_t)blockDim.x * gridDim.x) {
    const int64_t x = i % Wo, y = (i / Wo) % Ho, t = (i / (Wo * Ho)) % T, b = i / (Wo * Ho * T);
    int64_t sy, sx;
    scalar_t acc = 0;
    if (source(y * stride + off[2 * t], x * stride + off[2 * t + 1], H, W, pad_mode, sy, sx)) {
      const scalar_t* ap = a + b * C * Ho * Wo + y * Wo + x;
      const scalar_t* bp = bt + b * C * H * W + sy * W + sx;
      for (int64_t c = 0; c < C; ++c) acc += ap[c * Ho * Wo] * bp[c * H * W];
    }
    res[i] = acc;
  }
}

}  // namespace

void local_weighted_sum_forward_cuda(const at::Tensor& input, const at::Tensor& weight,
                                     const at::Tensor& offsets, at::Tensor& out, int64_t stride,
                                     int64_t pad_mode) {
  const c10::cuda::CUDAGuard guard(input.device());
  const auto off = offsets.contiguous();
  const int64_t n = out.numel();
  if (n == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "local_weighted_sum_forward_cuda", [&] {
    forward_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(
        input.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(), off.data_ptr<int>(),
        out.data_ptr<scalar_t>(), input.size(0), input.size(1), input.size(2), input.size(3),
        weight.size(1), out.size(2), out.size(3), stride, pad_mode);
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

void local_weighted_sum_backward_input_cuda(const at::Tensor& grad_out, const at::Tensor& weight,
                                            const at::Tensor& offsets, at::Tensor& grad_input,
                                            int64_t stride, int64_t pad_mode) {
  const c10::cuda::CUDAGuard guard(grad_out.device());
  const auto off = offsets.contiguous();
  grad_input.zero_();
  const int64_t n = grad_out.numel();
  if (n == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(grad_out.scalar_type(), "local_weighted_sum_backward_cuda", [&] {
    backward_input_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(
        grad_out.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(), off.data_ptr<int>(),
        grad_input.data_ptr<scalar_t>(), grad_input.size(0), grad_input.size(1),
        grad_input.size(2), grad_input.size(3), weight.size(1), grad_out.size(2),
        grad_out.size(3), stride, pad_mode);
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

void local_dot_cuda(const at::Tensor& a, const at::Tensor& b, const at::Tensor& offsets,
                    at::Tensor& res, int64_t stride, int64_t pad_mode) {
  const c10::cuda::CUDAGuard guard(a.device());
  const auto off = offsets.contiguous();
  const int64_t n = res.numel();
  if (n == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "local_dot_cuda", [&] {
    local_dot_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(
        a.data_ptr<scalar_t>(), b.data_ptr<scalar_t>(), off.data_ptr<int>(),
        res.data_ptr<scalar_t>(), b.size(0), b.size(1), b.size(2), b.size(3), res.size(1),
        res.size(2), res.size(3), stride, pad_mode);
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

}  // namespace mmwsss
