"""Torch parity at the edges (issue 13): dtypes and shapes, crashes on valid input, inputs torch refuses and
the exception types it raises, and repeated indices in indexed writes, each against torch 2.13.

Each case runs the same function with ``torch`` and with ``fgrad_nn`` (``same`` from test_torch_edges): both
give the same values, dtypes, shapes and gradients, or both raise the same exception type.
"""
import warnings

import numpy as np
import pytest
import torch

from test_torch_edges import same


def _grads(t, fn, *inputs):
    """``fn(*leaves)`` and the leaves' gradients for a weighted sum of it."""
    leaves = [t.tensor(a, requires_grad=True) for a in inputs]
    out = fn(t, *leaves)
    w = t.arange(1, out.numel() + 1, dtype=out.dtype).reshape(out.shape)
    (out * w).sum().backward()
    return out, [x.grad for x in leaves]


# ------------------------------------------------------------------ dtypes and shapes

PROMOTION = {
    "clamp_int_float_bounds": lambda t: t.clamp(t.tensor([1, 5, 9]), min=t.tensor([2.0]), max=t.tensor([8.0])),
    "clamp_float_int_bounds": lambda t: t.clamp(t.tensor([1.0, 5, 9]), min=t.tensor([2]), max=t.tensor([8])),
    "clamp_0d_double_bound": lambda t: t.clamp(t.tensor([1.0, 5, 9]), min=t.tensor(2.0, dtype=t.float64)),
    "clamp_int_0d_double": lambda t: t.clamp(t.tensor([1, 5], dtype=t.int32), min=t.tensor(2.5, dtype=t.float64)),
    "clamp_int_float_scalar": lambda t: t.clamp(t.tensor([1, 5, 9]), max=4.5),
    "lerp_0d_double_weight": lambda t: t.lerp(t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0]),
                                              t.tensor(0.5, dtype=t.float64)),
    "square_bool": lambda t: t.square(t.tensor([True, False])),
    "square_uint8": lambda t: t.square(t.tensor([3, 4], dtype=t.uint8)),
    "einsum_bool_product": lambda t: t.einsum("i,i->i", t.tensor([True, False]), t.tensor([True, True])),
    "einsum_bool_outer": lambda t: t.einsum("i,j->ij", t.tensor([True, False]), t.tensor([True, True])),
    "einsum_bool_sum": lambda t: t.einsum("ij->i", t.tensor([[True, False], [True, True]])),
    "einsum_bool_diagonal": lambda t: t.einsum("ii->i", t.tensor([[True, False], [True, True]])),
    "einsum_int32_sum": lambda t: t.einsum("i->", t.tensor([1, 2], dtype=t.int32)),
    "einsum_int32_contract": lambda t: t.einsum("i,i->", t.tensor([1, 2], dtype=t.int32),
                                                t.tensor([3, 4], dtype=t.int32)),
    "cat_empty_float_with_ints": lambda t: t.cat([t.tensor([1, 2]), t.zeros(0)]),
    "cat_empty_1d_with_2d": lambda t: t.cat([t.ones(2, 3), t.zeros(0, dtype=t.float64)]),
    "hstack_empty": lambda t: t.hstack([t.tensor([1, 2]), t.zeros(0)]),
    "nonzero_0d": lambda t: (t.nonzero(t.tensor(3.0)), t.tensor(0.0).nonzero(), t.nonzero(t.tensor(2), as_tuple=True)),
    "chunk_size0": lambda t: (t.zeros(0, 3).chunk(2), t.zeros(2, 0).chunk(3, 1), t.zeros(0).chunk(1)),
    "stride_size0": lambda t: (t.zeros(0, 3).stride(), t.zeros(2, 0, 3).stride(), t.zeros(0).stride(),
                               t.ones(0, 3).stride(), t.zeros(2, 3)[:, 3:].stride()),
    "advanced_index_is_contiguous": lambda t: (t.arange(6.0).reshape(2, 3)[:, [0, 2]].stride(),
                                               t.arange(6.0).reshape(2, 3)[:, [0, 2]].view(-1),
                                               t.arange(24.0).reshape(2, 3, 4)[:, [[0], [2]], 1:].view(-1)),
}


@pytest.mark.parametrize("name", sorted(PROMOTION))
def test_dtypes_and_shapes(name):
    same(PROMOTION[name])


def test_cat_keeps_size0_inputs_in_promotion_and_autograd():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        e = t.zeros(0, dtype=t.float64, requires_grad=True)
        y = t.cat([x, e])
        (y * t.tensor([3.0, 4.0], dtype=t.float64)).sum().backward()
        h = t.hstack([t.tensor([1, 2]), e])
        return y, x.grad, e.grad, h
    same(f)


NESTED = {
    "list_of_lists": [[0, 1], [2, 0]],
    "one_inner_list": [[0, 1]],
    "int_and_list": [1, [0, 1]],
    "list_and_slice": [[0, 1], slice(None)],
    "flat_list": [0, 1],
    "bool_list": [[True, False]],
    "list_of_none_and_int": [None, 0],
    "empty_list": [],
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_nested_list_indices_read_as_torch_reads_them(name):
    """A short list holding a sequence, slice or None is a tuple of indices to torch (with a warning);
    otherwise it is one index array."""
    def f(t):
        x = t.arange(24.0).reshape(2, 3, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            got = x[NESTED[name]]
            y = t.zeros(2, 3, 4)
            y[NESTED[name]] = 1.0
        return got, y
    same(f)


def test_list_of_tensors_as_an_index():
    def f(t):
        x = t.arange(12.0).reshape(3, 4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return x[[t.tensor([0, 2]), t.tensor([1, 3])]]
    same(f)


# ------------------------------------------------------------------ 0-d tensors with dim 0 / -1

ZERO_D = {
    "prod": lambda x, d: x.prod(d), "prod_keepdim": lambda x, d: x.prod(d, keepdim=True),
    "cumsum": lambda x, d: x.cumsum(d), "cumprod": lambda x, d: x.cumprod(d),
    "sort": lambda x, d: x.sort(d), "argsort": lambda x, d: x.argsort(d), "topk": lambda x, d: x.topk(1, d),
    "median": lambda x, d: x.median(d), "max": lambda x, d: x.max(d), "softmax": lambda x, d: x.softmax(d),
    "index_select": lambda x, d: x.index_select(d, x.new_zeros(1).long()),
    "gather": lambda x, d: (x.gather(d, x.new_zeros(()).long()), x.gather(d, x.new_zeros(2).long())),
    "movedim": lambda x, d: x.movedim(d, d), "flip": lambda x, d: x.flip(d), "squeeze": lambda x, d: x.squeeze(d),
    "unsqueeze": lambda x, d: x.unsqueeze(d), "logsumexp": lambda x, d: x.logsumexp(d),
    "roll": lambda x, d: x.roll(1, d), "chunk": lambda x, d: x.chunk(1, d), "split": lambda x, d: x.split(1, d),
    "narrow": lambda x, d: x.narrow(d, 0, 1),
}


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_ops_along_dim_of_a_0d_tensor(name, dim):
    """torch reads a 0-d tensor as one element along dim 0 (or -1): same values, shapes and gradients, or
    the same refusal (roll, chunk, split, narrow)."""
    def f(t):
        x = t.tensor(3.0, dtype=t.float64, requires_grad=True)
        out = ZERO_D[name](x, dim)
        flat = [o for o in (out if isinstance(out, tuple) else (out,)) if o.dtype == t.float64]
        sum(o.sum() for o in flat).backward()
        return out, x.grad
    same(f)


def test_dim_2_of_a_0d_tensor_is_out_of_range():
    same(lambda t: t.tensor(3.0).cumsum(2), "Dimension out of range")
    same(lambda t: t.tensor(3.0).topk(1, 1), "Dimension out of range")


# ------------------------------------------------------------------ crashes on valid input

VALID = {
    "flip_varargs": lambda t: t.arange(6.0).reshape(2, 3).flip(0, 1),
    "flip_dims_keyword": lambda t: t.flip(t.arange(6.0).reshape(2, 3), dims=[1]),
    "hstack_0d": lambda t: t.hstack([t.tensor(1.0), t.tensor(2.0)]),
    "vstack_0d": lambda t: t.vstack([t.tensor(1.0), t.tensor(2.0)]),
    "sign_bool": lambda t: t.tensor([True, False]).sign(),
    "sort_bool": lambda t: t.tensor([True, False, True]).sort(),
    "max_dim_bool": lambda t: t.tensor([[True, False], [False, False]]).max(1),
    "int_pow_negative_tensor": lambda t: t.tensor([-2, -1, 0, 1, 2, 3]) ** t.tensor([-1, -1, -1, -1, -2, -3]),
    "int_pow_negative_0d": lambda t: t.tensor([-2, -1, 1, 2]) ** t.tensor(-2),
    "scalar_pow_int_tensor": lambda t: 2 ** t.tensor([-1, 2]),
    "int32_pow_negative": lambda t: t.tensor([2, -1], dtype=t.int32) ** t.tensor([-1, -3], dtype=t.int32),
    "masked_fill_int_with_float": lambda t: t.tensor([1, 2, 3]).masked_fill(t.tensor([True, False, True]), 2.5),
    "masked_fill_int_with_negative": lambda t: t.tensor([1, 2, 3]).masked_fill(t.tensor([True, False, True]), -2.7),
    "masked_fill_int_with_0d_float": lambda t: t.tensor([1, 2]).masked_fill(t.tensor([True, False]), t.tensor(2.5)),
    "masked_fill_bool_with_int": lambda t: t.tensor([True, False]).masked_fill(t.tensor([True, False]), 0),
    "tensordot_size0": lambda t: t.tensordot(t.zeros(2, 0), t.zeros(0, 3), dims=1),
    "tensordot_size0_pairs": lambda t: t.tensordot(t.zeros(0, 2), t.zeros(3, 0), dims=([0], [1])),
    "median_empty": lambda t: (t.zeros(0).median(), t.zeros(0, 3).median()),
    "median_dim_nonempty_of_empty": lambda t: t.zeros(3, 0).median(0),
    "bool_add_alpha": lambda t: t.add(t.tensor([True, False]), t.tensor([True, True]), alpha=2),
    "bool_add_alpha_zero": lambda t: t.add(t.tensor([True, False]), t.tensor([True, True]), alpha=0),
    "int_add_bool_alpha": lambda t: t.add(t.tensor([True, False]), 3, alpha=2),
    "float_add_int_alpha": lambda t: t.add(t.tensor([1.0, 2.0]), t.tensor([1, 2]), alpha=0.5),
    "empty_list_index": lambda t: (t.arange(3.0)[[]], t.arange(6.0).reshape(2, 3)[:, []]),
    "size0_index_of_size0": lambda t: t.zeros(0, 3)[t.tensor([], dtype=t.long)],
    "size0_index_with_int": lambda t: t.zeros(2, 3)[t.tensor([], dtype=t.long), 1],
    "size0_index_2d": lambda t: t.zeros(2, 3)[t.zeros(0, 2, dtype=t.long)],
    "size0_mask": lambda t: t.zeros(0, 3)[t.zeros(0, dtype=t.bool)],
    "size0_index_select": lambda t: t.zeros(0, 3).index_select(0, t.tensor([], dtype=t.long)),
    "size0_gather": lambda t: t.zeros(2, 3).gather(1, t.zeros(2, 0, dtype=t.long)),
    "tile_varargs": lambda t: t.tensor([1.0, 2.0]).tile(2, 2),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_input_gives_torchs_result(name):
    same(VALID[name])


def test_bool_mask_assignment_with_an_extra_leading_one():
    def f(t):
        x = t.zeros(2, 3)
        x[t.tensor([[[True, False, True], [False, False, True]]])] = 1.0
        y = t.zeros(3)
        y[t.tensor([[True, False, True]])] = t.tensor([4.0, 5.0])
        return x, y, t.arange(3.0)[t.tensor([[True, False, True]])]
    same(f)


def test_size0_index_assignment():
    def f(t):
        x = t.zeros(2, 3)
        x[t.tensor([], dtype=t.long)] = 1.0
        x[t.tensor([], dtype=t.long)] = t.ones(0, 3)
        return x
    same(f)


def test_writes_into_tile_and_repeat_results():
    def f(t):
        x = t.tensor([1.0, 2.0])
        a, b = x.tile(2), x.repeat(2, 1)
        a.add_(1)
        b[0, 0] = 5
        return x, a, b
    same(f)


# ------------------------------------------------------------------ inputs torch refuses

REFUSED = {
    "tril_1d": lambda t: t.tril(t.ones(3)),
    "triu_1d": lambda t: t.ones(3).triu(),
    "outer_2d": lambda t: t.outer(t.ones(2, 2), t.ones(2)),
    "outer_0d": lambda t: t.outer(t.ones(()), t.ones(2)),
    "einsum_float_double": lambda t: t.einsum("i,i->", t.ones(2), t.ones(2, dtype=t.float64)),
    "einsum_long_float": lambda t: t.einsum("i,i->", t.tensor([1, 2]), t.tensor([1.0, 2.0])),
    "einsum_bool_contraction": lambda t: t.einsum("i,i->", t.tensor([True, False]), t.tensor([True, True])),
    "tensordot_float_double": lambda t: t.tensordot(t.ones(2), t.ones(2, dtype=t.float64), dims=1),
    "tensordot_float_long": lambda t: t.tensordot(t.ones(2), t.ones(2, dtype=t.long), dims=1),
    "tensordot_bool": lambda t: t.tensordot(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool), dims=1),
    "lerp_end_double": lambda t: t.lerp(t.ones(2), t.ones(2, dtype=t.float64), 0.5),
    "lerp_0d_end_double": lambda t: t.lerp(t.ones(2), t.ones((), dtype=t.float64), 0.5),
    "lerp_weight_half": lambda t: t.lerp(t.ones(2), t.ones(2), t.ones(2, dtype=t.float16)),
    "lerp_long": lambda t: t.lerp(t.ones(2, dtype=t.long), t.ones(2, dtype=t.long), 0.5),
    "index_put_double_into_float": lambda t: t.zeros(3).index_put((t.tensor([0, 1]),), t.ones(2, dtype=t.float64)),
    "setitem_double_into_float": lambda t: t.zeros(3).__setitem__(t.tensor([0, 1]), t.ones(2, dtype=t.float64)),
    "setitem_long_0d_into_float": lambda t: t.zeros(3).__setitem__(t.tensor([0, 1]), t.tensor(2)),
    "setitem_mask_double_into_float": lambda t: t.zeros(3).__setitem__(t.tensor([True, False, True]),
                                                                    t.ones(2, dtype=t.float64)),
    "abs_bool": lambda t: t.abs(t.tensor([True])),
    "relu_bool": lambda t: t.relu(t.tensor([True])),
    "neg_bool": lambda t: -t.tensor([True, False]),
    "topk_bool": lambda t: t.topk(t.tensor([True, False]), 1),
    "norm_bool": lambda t: t.tensor([True, False]).norm(),
    "norm_long": lambda t: t.tensor([1, 2]).norm(p=1),
    "add_float_alpha_to_ints": lambda t: t.add(t.tensor([1, 2]), t.tensor([True, True]), alpha=1.5),
    "add_bool_alpha_to_ints": lambda t: t.add(t.tensor([1, 2]), t.tensor([1, 2]), alpha=True),
    "int_pow_negative_int": lambda t: t.tensor([-2, 3]) ** -1,
    "masked_fill_int_with_inf": lambda t: t.tensor([1, 2]).masked_fill(t.tensor([True, False]), float("inf")),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_where_torch_refuses(name):
    same(REFUSED[name])


def test_values_of_a_put_with_matching_dtype_or_masked_fill_are_accepted():
    def f(t):
        x = t.zeros(3)
        x[t.tensor([True, False, True])] = t.tensor(2.0, dtype=t.float64)  # a masked fill
        y = t.zeros(2, 3).index_put((t.tensor([0, 1]), t.tensor([2, 0])), t.tensor(5.0))
        z = t.zeros(3).index_put([t.tensor([0, 0])], t.tensor([1.0, 2.0]), accumulate=True)
        return x, y, z
    same(f)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("src", ["tensor", "value"])
def test_backward_of_scatter_with_reduce_raises(reduce, src):
    def f(t):
        x = t.ones(3, requires_grad=True)
        s = t.full((3,), 2.0, requires_grad=True) if src == "tensor" else 2.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            y = x.scatter(0, t.tensor([0, 0, 1]), s, reduce=reduce)
        flag = y.requires_grad
        y.sum().backward()
        return flag
    same(f, "derivative for aten::scatter is not implemented")


def test_scatter_add_and_remainder_have_gradients():
    def f(t):
        x = t.ones(3, requires_grad=True)
        s = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        t.scatter_add(x, 0, t.tensor([0, 0, 1]), s).pow(2).sum().backward()
        a = t.tensor([5.0, 7.0], requires_grad=True)
        b = t.tensor([2.0, 3.0], requires_grad=True)
        (t.remainder(a, b) + t.fmod(a, b)).sum().backward()
        return x.grad, s.grad, a.grad, b.grad
    same(f)


# ------------------------------------------------------------------ torch's exception types

ERRORS = {
    "roll_dim_out_of_range": lambda t: t.ones(2, 3).roll(1, 5),
    "roll_negative_dim_out_of_range": lambda t: t.ones(2, 3).roll((1, 2), (0, -5)),
    "roll_shifts_dims_mismatch": lambda t: t.ones(2, 3).roll((1, 2), (0,)),
    "median_over_empty_dim": lambda t: t.zeros(0, 3).median(0),
    "bitwise_and_floats": lambda t: t.bitwise_and(t.ones(2), t.ones(2)),
    "bitwise_or_float_operator": lambda t: t.ones(2) | t.ones(2),
    "bitwise_xor_double_and_int": lambda t: t.bitwise_xor(t.ones(2, dtype=t.float64), 1),
    "bitwise_and_long_and_float_scalar": lambda t: t.ones(2, dtype=t.long) & 1.5,
    "bitwise_not_float": lambda t: t.bitwise_not(t.ones(2)),
    "invert_float": lambda t: ~t.ones(2),
    "cat_ranks": lambda t: t.cat([t.ones(2, 3), t.ones(3)]),
    "cat_sizes": lambda t: t.cat([t.ones(2, 3, 4), t.ones(2, 3, 5)], 1),
    "cat_0d_second": lambda t: t.cat([t.ones(2), t.tensor(1.0)]),
    "gather_index_too_large": lambda t: t.ones(2, 3).gather(1, t.tensor([[5]])),
    "gather_negative_index": lambda t: t.ones(2, 3).gather(1, t.tensor([[-1]])),
    "gather_0d_index_too_large": lambda t: t.tensor(3.0).gather(0, t.tensor([1])),
    "index_select_too_large": lambda t: t.ones(2, 3).index_select(1, t.tensor([5])),
    "index_select_negative": lambda t: t.ones(2, 3).index_select(1, t.tensor([-1])),
    "index_select_float_index": lambda t: t.ones(2, 3).index_select(1, t.tensor([1.0])),
    "index_select_0d_two_values": lambda t: t.tensor(3.0).index_select(0, t.tensor([0, 0])),
    "float_of_two_elements": lambda t: float(t.ones(2)),
    "int_of_two_elements": lambda t: int(t.ones(2, dtype=t.long)),
    "float_of_no_elements": lambda t: float(t.ones(0)),
    "flip_repeated_dim": lambda t: t.ones(2).flip(0, 0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_exception_types_are_torchs(name):
    same(ERRORS[name])


def test_messages_name_the_sizes():
    same(lambda t: t.cat([t.ones(2, 3), t.ones(3)]), "Tensors must have same number of dimensions: got 2 and 1")
    same(lambda t: t.cat([t.ones(2, 3, 4), t.ones(2, 3, 5)], 1), "Expected size 4 but got size 5 for tensor number 1")
    same(lambda t: t.ones(2, 3).gather(1, t.tensor([[5]])), "index 5 is out of bounds for dimension 1 with size 3")
    same(lambda t: t.zeros(0, 3).median(0), "Expected reduction dim 0 to have non-zero size")


# ------------------------------------------------------------------ repeated indices in indexed writes

def test_scatter_with_repeated_indices_gives_every_source_its_gradient():
    """torch's gradient of ``src`` is the plain gather ``g[index]``: src.grad == [1, 1, 10] here."""
    def f(t):
        s = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = t.zeros(3, requires_grad=True)
        y = x.scatter(0, t.tensor([0, 0, 1]), s)
        y.backward(t.tensor([1.0, 10.0, 100.0]))
        return s.grad, x.grad
    same(f)
    np.testing.assert_array_equal(f(torch)[0].numpy(), [1.0, 1.0, 10.0])


def test_double_backward_of_scatter_with_repeated_indices():
    """The source's gradient ``g[index]`` is linear in ``g``: its own gradient adds up over the repeats."""
    def f(t):
        s = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        g = t.tensor([1.0, 10.0, 100.0], requires_grad=True)
        y = t.zeros(3).scatter(0, t.tensor([0, 0, 1]), s)
        (gs,) = t.autograd.grad(y, s, g, create_graph=True)
        (gg,) = t.autograd.grad((gs * t.tensor([1.0, 2.0, 3.0])).sum(), g)
        return gs, gg
    same(f)


def test_scatter_2d_with_repeated_indices():
    def f(t):
        s = t.arange(6.0).reshape(2, 3).requires_grad_()
        y = t.zeros(2, 3).scatter(1, t.tensor([[0, 0, 2], [1, 1, 1]]), s)
        y.backward(t.arange(6.0).reshape(2, 3) * 10)
        return s.grad
    same(f)


@pytest.mark.parametrize("how", ["index_put", "index_put_", "setitem"])
def test_index_put_with_repeated_indices_gives_every_value_its_gradient(how):
    def f(t):
        s = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = t.zeros(3, requires_grad=True)
        idx = t.tensor([0, 0, 1])
        if how == "index_put":
            y = x.index_put((idx,), s)
        else:
            y = x.clone()
            if how == "index_put_":
                y.index_put_((idx,), s)
            else:
                y[idx] = s
        y.backward(t.tensor([1.0, 10.0, 100.0]))
        return s.grad, x.grad
    same(f)


# ------------------------------------------------------------------ the SVD family on non-finite input

SVD_FAMILY = {
    "svd": lambda t, a: t.linalg.svd(a)[1], "svdvals": lambda t, a: t.linalg.svdvals(a),
    "pinv": lambda t, a: t.linalg.pinv(a), "matrix_rank": lambda t, a: t.linalg.matrix_rank(a),
    "matrix_norm_2": lambda t, a: t.linalg.matrix_norm(a, 2), "nuclear": lambda t, a: t.linalg.matrix_norm(a, "nuc"),
    "cond": lambda t, a: t.linalg.cond(a), "norm_2": lambda t, a: t.linalg.norm(a, 2),
    "torch_svd": lambda t, a: t.svd(a)[1], "pinverse": lambda t, a: t.pinverse(a),
}


@pytest.mark.parametrize("name", sorted(SVD_FAMILY))
def test_svd_family_refuses_nan_input(name):
    """torch raises its LinAlgError (a RuntimeError) for a NaN entry. (With an infinite entry its results
    depend on LAPACK's path: not compared.)"""
    def f(t):
        a = t.tensor([[float("nan"), 1.0], [0.0, 1.0]])
        try:
            return SVD_FAMILY[name](t, a)
        except t.linalg.LinAlgError as e:
            raise RuntimeError(str(e)) from None
    same(f, "The algorithm failed to converge")


def test_fgrad_svd_family_gives_nan_for_non_finite_matrices_as_jax():
    from jax_support import assert_agree, jax
    import fgrad
    import fgrad.numpy as fnp
    jnp = jax.numpy
    a = np.array([[[1.0, 2.0], [3.0, 4.0]], [[np.nan, 0.0], [0.0, 1.0]], [[1.0, np.inf], [0.0, 1.0]]])
    for name in ("pinv", "matrix_rank", "cond"):
        assert_agree(getattr(fnp.linalg, name)(a), getattr(jnp.linalg, name)(a))
    assert_agree(tuple(fnp.linalg.svd(a)), tuple(jnp.linalg.svd(a)))
    assert_agree(fgrad.grad(lambda m: fnp.sum(fnp.linalg.svdvals(m)))(a[1]),
                 jax.grad(lambda m: jnp.sum(jnp.linalg.svdvals(m)))(a[1]))


EXPAND_WRITES = {
    "one_element": lambda t, y: y.__setitem__((0, 0), 5.0),
    "a_column": lambda t, y: y.__setitem__((slice(None), 0), 5.0),
    "fill_a_column": lambda t, y: y[:, 0].fill_(5),
    "mul_a_corner": lambda t, y: y[0, :1].mul_(3),
    "advanced_index": lambda t, y: y.__setitem__(t.tensor([0]), 5.0),
    "a_row": lambda t, y: y.__setitem__(0, 5.0),  # torch: refused, the row repeats one element
    "a_row_from_a_tensor": lambda t, y: y.__setitem__((0, slice(None)), t.tensor([7.0, 7.0, 7.0])),
    "add_to_all": lambda t, y: y.add_(1),
}


@pytest.mark.parametrize("name", sorted(EXPAND_WRITES))
def test_writes_into_an_expanded_tensor(name):
    """An expanded tensor shares its base's memory: a write reaches the base where each written element
    has its own memory location, and is refused where several share one."""
    def f(t):
        x = t.tensor([[1.0], [2.0]])
        y = x.expand(2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            EXPAND_WRITES[name](t, y)
        return x, y
    same(f, "more than one element of the written-to tensor" if name in ("a_row", "a_row_from_a_tensor",
                                                                        "add_to_all") else None)


def test_gradients_from_create_graph_require_grad():
    def f(t):
        x = t.tensor([1.0, 2.0], requires_grad=True)
        (g1,) = t.autograd.grad((x * 3).sum(), x, create_graph=True)
        (g2,) = t.autograd.grad((x ** 2).sum(), x, create_graph=True)
        (h,) = t.autograd.grad(g2.sum(), x)
        return g1.requires_grad, g2.requires_grad, g1, g2, h
    same(f)
