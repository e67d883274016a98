"""LLM.int8 base weights (Dettmers et al., 2022): vector-wise absmax int8 with outlier decomposition.

Two implementations, one semantics (threshold 6.0, lm_head not quantized):

* **bitsandbytes** (`bnb.nn.Linear8bitLt` through transformers' `BitsAndBytesConfig(load_in_8bit=True,
  llm_int8_threshold=6.0, llm_int8_skip_modules=["lm_head"])`), used when the package imports and the
  model goes to CUDA. Fast int8 tensor-core kernels; PEFT wraps it with its own LoRA layer.
* **built-in** (`Int8Linear` below), used otherwise (CPU, or CUDA without bitsandbytes). Pure torch:
  `torch._int_mm` for the int8 × int8 → int32 product when the shapes allow, otherwise an exact integer
  product through chunked float matmuls. Slower than bitsandbytes, same numbers up to rounding order.

What one forward computes, for input X [n, in] and weight W [out, in]:

1. Outlier columns O = the input features j with any |X[i, j]| >= threshold (over the whole batch).
2. Regular part: X_R (outlier columns zeroed) is quantized per ROW i with scale sx_i = max_j |X_R[i, j]| / 127;
   W is quantized per OUTPUT ROW k (once, at load) with scale sw_k = max_j |W[k, j]| / 127;
   Y_R = (round(X_R / sx) @ round(W / sw)ᵀ) · sx sw, the product in exact int32.
3. Outlier part: Y_O = X[:, O] @ Ŵ[:, O]ᵀ in float32, where Ŵ = round(W / sw) · sw is the stored
   (dequantized) weight: the inputs of outlier columns are never quantized. bitsandbytes does the
   same (it keeps only the int8 weight, too).
4. Y = Y_R + Y_O (+ bias).

Error bound (`int8_error_bound`), per output element, from |round(v) - v| <= 1/2:
    |Y[i,k] - (X Wᵀ)[i,k]| <= Σ_{j∉O} ( |W[k,j]|·sx_i/2 + |X[i,j]|·sw_k/2 + sx_i·sw_k/4 )
                              + Σ_{j∈O} |X[i,j]|·sw_k/2
                              + γ · Σ_j |X[i,j]|·|W[k,j]|·(1 + 1/127)²,   γ = (in + 4)·2⁻²³
The first line is x̂ŵ - xw = (x̂-x)w + x(ŵ-w) + (x̂-x)(ŵ-w) summed over regular columns; the second is
the weight's rounding alone (outlier inputs are exact); the last is float32 rounding of the scaling
and of the outlier matmul (a standard dot-product bound, with the dequantized weight's magnitude).

The weights are frozen (int8 buffers, no gradient). The backward pass returns the input gradient
dY @ Ŵ, so LoRA adapters on top of an `Int8Linear` train normally.
"""

from __future__ import annotations

import importlib.util
from typing import Callable

import torch
from torch import nn

THRESHOLD = 6.0
#: Modules never quantized: LLM.int8 keeps the output head in bf16 (fp32 on CPU).
SKIP_MODULES = ("lm_head",)

LogFn = Callable[[str, str], None]

# float32 represents every integer below 2**24 exactly; 127 * 127 * 1024 < 2**24, so a product of int8
# values summed over at most this many terms is exact in a float32 matmul.
_EXACT_FLOAT32_CHUNK = 1024


def bitsandbytes_usable(device: str) -> bool:
    """bitsandbytes' Linear8bitLt needs the package and a CUDA device."""
    return device.startswith("cuda") and importlib.util.find_spec("bitsandbytes") is not None


def bitsandbytes_quantization_config(threshold: float = THRESHOLD, skip_modules=SKIP_MODULES):
    """transformers' config that loads every nn.Linear but `skip_modules` as bnb.nn.Linear8bitLt."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_8bit=True, llm_int8_threshold=threshold, llm_int8_skip_modules=list(skip_modules)
    )


def quantize_rows(matrix: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Vector-wise absmax int8: (int8 values, float32 scales = row absmax / 127). All-zero rows get scale 0."""
    matrix = matrix.float()
    absmax = matrix.abs().amax(dim=-1)
    scale = absmax / 127.0
    safe = torch.where(absmax > 0, absmax, torch.ones_like(absmax))
    quantized = torch.round(matrix * (127.0 / safe).unsqueeze(-1)).clamp_(-127, 127).to(torch.int8)
    return quantized, scale


def int8_matmul_exact(a: torch.Tensor, b_t: torch.Tensor) -> torch.Tensor:
    """a [n, k] int8 @ b_t [k, m] int8 → int32, exactly."""
    n, k = a.shape
    m = b_t.shape[1]
    if a.is_cuda:
        # cuBLAS int8 GEMM constraints (torch._int_mm): n > 16, k and m multiples of 8.
        if n > 16 and k % 8 == 0 and m % 8 == 0:
            return torch._int_mm(a.contiguous(), b_t.contiguous())
    elif hasattr(torch, "_int_mm"):
        try:
            return torch._int_mm(a.contiguous(), b_t.contiguous())
        except RuntimeError:
            pass
    out = torch.zeros((n, m), dtype=torch.int32, device=a.device)
    for start in range(0, k, _EXACT_FLOAT32_CHUNK):
        stop = min(start + _EXACT_FLOAT32_CHUNK, k)
        partial = a[:, start:stop].float() @ b_t[start:stop].float()
        out += partial.round().to(torch.int32)
    return out


def outlier_columns(x2d: torch.Tensor, threshold: float) -> torch.Tensor:
    """Boolean [in]: the input features with any |x| >= threshold in the batch."""
    return (x2d.abs() >= threshold).any(dim=0)


def int8_linear_forward(
    x: torch.Tensor, weight_int8: torch.Tensor, weight_scale: torch.Tensor, threshold: float = THRESHOLD
) -> torch.Tensor:
    """Y = X Wᵀ with LLM.int8 decomposition (no bias); returns float32 [.., out]. See the module docstring."""
    in_features = weight_int8.shape[1]
    x2d = x.reshape(-1, in_features).float()
    outliers = outlier_columns(x2d, threshold)
    regular = x2d.masked_fill(outliers.unsqueeze(0), 0.0)
    x_int8, x_scale = quantize_rows(regular)
    accumulated = int8_matmul_exact(x_int8, weight_int8.t())
    y = accumulated.float() * x_scale.unsqueeze(1) * weight_scale.float().unsqueeze(0)
    if bool(outliers.any()):
        index = outliers.nonzero().squeeze(1)
        weight_columns = weight_int8.index_select(1, index).float() * weight_scale.float().unsqueeze(1)
        y = y + x2d.index_select(1, index) @ weight_columns.t()
    return y.reshape(*x.shape[:-1], weight_int8.shape[0])


class _Int8MatMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight_int8, weight_scale, threshold):
        ctx.save_for_backward(weight_int8, weight_scale)
        ctx.input_dtype = x.dtype
        return int8_linear_forward(x, weight_int8, weight_scale, threshold).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        weight_int8, weight_scale = ctx.saved_tensors
        grad_input = None
        if ctx.needs_input_grad[0]:
            dequantized = weight_int8.float() * weight_scale.float().unsqueeze(1)
            grad_input = (grad_output.float() @ dequantized).to(ctx.input_dtype)
        return grad_input, None, None, None


class Int8Linear(nn.Linear):
    """A frozen nn.Linear whose weight is stored as row-wise absmax int8 and applied with LLM.int8's
    outlier decomposition (tonekit's built-in implementation; see the module docstring).

    It subclasses nn.Linear (without allocating a float weight) so PEFT wraps it with its ordinary
    LoRA `Linear` layer. `weight` is an int8 buffer and `weight_scale` its float32 row scales; the bias,
    when present, stays a float parameter (PEFT's `bias="lora_only"` may train it).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, threshold: float = THRESHOLD, device=None, dtype=None):
        nn.Module.__init__(self)
        self.in_features = in_features
        self.out_features = out_features
        self.threshold = threshold
        self.register_buffer("weight", torch.zeros((out_features, in_features), dtype=torch.int8, device=device))
        self.register_buffer("weight_scale", torch.zeros(out_features, dtype=torch.float32, device=device))
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_features, device=device, dtype=dtype or torch.float32), requires_grad=False)
        else:
            self.register_parameter("bias", None)

    @classmethod
    def from_linear(cls, linear: nn.Linear, threshold: float = THRESHOLD) -> "Int8Linear":
        module = cls(linear.in_features, linear.out_features, bias=linear.bias is not None, threshold=threshold,
                     device=linear.weight.device, dtype=linear.weight.dtype)
        with torch.no_grad():
            weight_int8, weight_scale = quantize_rows(linear.weight.detach())
            module.weight.copy_(weight_int8)
            module.weight_scale.copy_(weight_scale)
            if linear.bias is not None:
                module.bias.copy_(linear.bias.detach())
        return module

    def dequantized_weight(self) -> torch.Tensor:
        """Ŵ = int8 weight · row scale, float32 [out, in] (for merging adapters and for tests)."""
        return self.weight.float() * self.weight_scale.unsqueeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = _Int8MatMul.apply(x, self.weight, self.weight_scale, self.threshold)
        if self.bias is not None:
            y = y + self.bias.to(y.dtype)
        return y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}, threshold={self.threshold}, int8=builtin"


def quantize_linear_layers(model: nn.Module, threshold: float = THRESHOLD, skip_modules=SKIP_MODULES) -> int:
    """Replace every nn.Linear of `model` (except modules named in `skip_modules`) by an `Int8Linear`.
    Returns how many layers were replaced."""
    replaced = 0
    for parent_name, parent in list(model.named_modules()):
        for child_name, child in list(parent.named_children()):
            if type(child) is not nn.Linear or child_name in skip_modules:
                continue
            full_name = f"{parent_name}.{child_name}" if parent_name else child_name
            if any(full_name == skip or full_name.endswith("." + skip) for skip in skip_modules):
                continue
            setattr(parent, child_name, Int8Linear.from_linear(child, threshold))
            replaced += 1
    return replaced


def quantize_model_int8(model: nn.Module, device: str, log: LogFn | None = None, threshold: float = THRESHOLD) -> str:
    """Apply the built-in LLM.int8 to an already loaded model (`modeling.load_base_model` loads through
    bitsandbytes directly when it can). Returns the backend name, `"builtin"`, and logs which one is used."""
    count = quantize_linear_layers(model, threshold)
    if log is not None:
        reason = (
            "bitsandbytes is not installed" if device.startswith("cuda") else "bitsandbytes needs CUDA"
        )
        log("info" if not device.startswith("cuda") else "warn",
            f"int8 base: {reason}; using tonekit's built-in LLM.int8 (threshold {threshold}, lm_head unquantized) "
            f"on {count} linear layers. It is exact integer arithmetic but slower than bitsandbytes"
            + ("; install it with: python -m pip install bitsandbytes" if device.startswith("cuda") else "")
            + ".")
    return "builtin"


def int8_error_bound(x: torch.Tensor, weight: torch.Tensor, threshold: float = THRESHOLD) -> torch.Tensor:
    """The documented per-element bound on |int8_linear_forward(x, quantize_rows(weight)) - x @ weightᵀ|
    (module docstring), computed in float64 for x [n, in] and weight [out, in]."""
    x = x.reshape(-1, weight.shape[1]).double()
    w = weight.double()
    outliers = outlier_columns(x, threshold)
    regular = x.masked_fill(outliers.unsqueeze(0), 0.0)
    sx = (regular.abs().amax(dim=1) / 127.0).unsqueeze(1)  # [n, 1]
    sw = (w.abs().amax(dim=1) / 127.0).unsqueeze(0)  # [1, out]
    regular_mask = (~outliers).double()
    outlier_mask = outliers.double()
    abs_x, abs_w = x.abs(), w.abs()
    bound = (
        (abs_w * regular_mask).sum(dim=1).unsqueeze(0) * sx / 2  # Σ_R |w| sx/2
        + (abs_x * regular_mask).sum(dim=1, keepdim=True) * sw / 2  # Σ_R |x| sw/2
        + regular_mask.sum() * sx * sw / 4  # Σ_R sx sw/4 (upper bound: count of regular columns)
        + (abs_x * outlier_mask).sum(dim=1, keepdim=True) * sw / 2  # Σ_O |x| sw/2
    )
    gamma = (weight.shape[1] + 4) * 2.0**-23
    bound = bound + gamma * (abs_x @ abs_w.t()) * (1 + 1 / 127) ** 2
    return bound
