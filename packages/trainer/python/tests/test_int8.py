"""tonekit's built-in LLM.int8: the documented error bound, exact outlier columns, gradients, model swap."""

from __future__ import annotations

import pytest
import torch

from tonekit_worker.int8 import (
    THRESHOLD,
    Int8Linear,
    int8_error_bound,
    int8_linear_forward,
    quantize_rows,
)


def _inputs_with_outliers(rows=48, features=192, outlier_columns=(5, 77, 150), seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, features, generator=generator)
    for column in outlier_columns:
        # A few large activations in a handful of feature dimensions, as in the LLM.int8 paper.
        x[::3, column] = 8.0 + 40.0 * torch.rand(len(range(0, rows, 3)), generator=generator)
    return x


def _representable_weight(out_features, in_features, seed=1):
    """Weights that row-wise absmax int8 represents exactly: integers in [-127, 127] × a row scale, with
    ±127 in every row (so the row absmax is exactly 127 · scale)."""
    generator = torch.Generator().manual_seed(seed)
    integers = torch.randint(-127, 128, (out_features, in_features), generator=generator).float()
    integers[:, 0] = 127.0
    scale = (torch.rand(out_features, 1, generator=generator) + 0.5) / 127.0
    # Powers of two keep integer × scale exact in float32.
    scale = torch.exp2(torch.round(torch.log2(scale)))
    return integers * scale


def test_error_is_within_the_documented_bound():
    torch.manual_seed(2)
    linear = torch.nn.Linear(192, 96, bias=False)
    x = _inputs_with_outliers()
    expected = x @ linear.weight.detach().t()
    layer = Int8Linear.from_linear(linear)
    with torch.no_grad():
        got = layer(x)
    error = (got - expected).abs().double()
    bound = int8_error_bound(x, linear.weight.detach())
    assert bool((error <= bound).all()), f"max error/bound {(error / bound).max().item():.3f}"
    # The bound is not vacuous: the error uses a real fraction of it, and it is far below |x||w|.
    assert (error / bound).max().item() > 0.05
    assert bound.max().item() < 0.05 * (x.abs() @ linear.weight.detach().abs().t()).max().item()


def test_outlier_decomposition_beats_plain_int8():
    # Lossless weights isolate what the decomposition is about: the quantization of the inputs.
    weight = _representable_weight(64, 192)
    x = _inputs_with_outliers()
    expected = x @ weight.t()
    weight_int8, weight_scale = quantize_rows(weight)
    with_decomposition = int8_linear_forward(x, weight_int8, weight_scale, THRESHOLD)
    # Threshold infinity = no outlier columns: every input row is quantized with its outlier's absmax.
    without = int8_linear_forward(x, weight_int8, weight_scale, float("inf"))
    rows = slice(0, None, 3)  # the rows that hold outliers
    error_with = (with_decomposition - expected)[rows].abs().mean().item()
    error_without = (without - expected)[rows].abs().mean().item()
    assert error_with * 5 < error_without


def test_outlier_columns_are_exact_to_float32_rounding():
    weight = _representable_weight(32, 96)
    weight_int8, weight_scale = quantize_rows(weight)
    assert torch.equal(weight_int8.float() * weight_scale.unsqueeze(1), weight)  # lossless weight
    generator = torch.Generator().manual_seed(4)
    x = torch.zeros(20, 96)
    outliers = [3, 40, 90]
    x[:, outliers] = torch.randn(20, 3, generator=generator) * 20
    x[0, outliers] = torch.tensor([7.0, -9.0, 31.0])  # every outlier column crosses the threshold
    got = int8_linear_forward(x, weight_int8, weight_scale, THRESHOLD)
    expected = (x.double() @ weight.double().t()).float()
    torch.testing.assert_close(got, expected, rtol=2e-6, atol=1e-6)

    # Mixed input: the outlier columns contribute exactly, only the regular part carries int8 error,
    # so the error stays within the regular-column terms of the bound.
    regular = torch.randn(20, 96, generator=generator)
    regular[:, outliers] = 0
    mixed = x + regular
    got = int8_linear_forward(mixed, weight_int8, weight_scale, THRESHOLD)
    outlier_part = (x.double() @ weight.double().t())
    regular_only = int8_linear_forward(regular, weight_int8, weight_scale, THRESHOLD).double()
    torch.testing.assert_close(got.double(), outlier_part + regular_only, rtol=1e-5, atol=1e-5)


def test_gradients_flow_to_inputs_and_weights_stay_frozen():
    torch.manual_seed(5)
    linear = torch.nn.Linear(32, 16, bias=True)
    layer = Int8Linear.from_linear(linear)
    x = torch.randn(4, 7, 32, requires_grad=True)
    y = layer(x)
    assert y.shape == (4, 7, 16)
    y.square().sum().backward()
    dequantized = layer.dequantized_weight()
    expected = (2 * y.detach()).reshape(-1, 16) @ dequantized
    torch.testing.assert_close(x.grad.reshape(-1, 32), expected, rtol=1e-5, atol=1e-5)
    assert layer.weight.dtype == torch.int8 and not layer.weight.requires_grad
    assert all(not parameter.requires_grad for parameter in layer.parameters())


def test_load_base_model_int8_replaces_linears_but_not_lm_head(tiny_llama_dir):
    from tonekit_worker.modeling import load_base_model

    logs = []
    model, _ = load_base_model(str(tiny_llama_dir), "int8", "cpu", log=lambda level, message: logs.append((level, message)))
    linears = [name for name, module in model.named_modules() if isinstance(module, torch.nn.Linear)]
    quantized = [name for name, module in model.named_modules() if isinstance(module, Int8Linear)]
    assert "lm_head" in linears and "lm_head" not in quantized
    assert type(model.lm_head) is torch.nn.Linear and model.lm_head.weight.dtype == torch.float32
    assert len(quantized) == 7 * model.config.num_hidden_layers
    assert len(logs) == 1 and "built-in LLM.int8" in logs[0][1] and "bitsandbytes" in logs[0][1]

    reference, _ = load_base_model(str(tiny_llama_dir), "fp32", "cpu")
    ids = torch.tensor([[3, 300, 301, 302, 303, 4]])
    with torch.no_grad():
        quantized_logits = model(input_ids=ids).logits
        reference_logits = reference(input_ids=ids).logits
    # Quantization changes the logits a little, never a lot.
    difference = (quantized_logits - reference_logits).abs().max().item()
    assert 0 < difference < 0.05 * reference_logits.abs().max().item()


def test_lora_trains_on_an_int8_base(tiny_llama_dir):
    from peft import LoraConfig, get_peft_model

    from tonekit_worker.modeling import load_base_model

    model, _ = load_base_model(str(tiny_llama_dir), "int8", "cpu")
    torch.manual_seed(0)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=4, target_modules=["q_proj", "v_proj"], lora_dropout=0.0))
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.1)  # non-zero B so lora_A gets a gradient too
    ids = torch.tensor([[3, 300, 301, 302, 303, 4]])
    peft_model(input_ids=ids, labels=ids).loss.backward()
    trainable = {name: parameter for name, parameter in peft_model.named_parameters() if parameter.requires_grad}
    assert trainable and all(parameter.grad is not None and parameter.grad.abs().sum() > 0 for parameter in trainable.values())


@pytest.mark.gpu
def test_bitsandbytes_is_used_on_cuda_when_installed(tiny_llama_dir):
    pytest.importorskip("bitsandbytes")
    from tonekit_worker.modeling import load_base_model

    logs = []
    model, _ = load_base_model(str(tiny_llama_dir), "int8", "cuda", log=lambda level, message: logs.append(message))
    assert any("bitsandbytes" in message and "Linear8bitLt" in message for message in logs)
    import bitsandbytes as bnb

    assert isinstance(model.model.layers[0].self_attn.q_proj, bnb.nn.Linear8bitLt)
    assert not isinstance(model.lm_head, bnb.nn.Linear8bitLt)
