"""``torch.func``: function transforms over the torch face, on fgrad's engine.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd``, ``hessian`` and ``vmap``
have torch.func's names, signatures and semantics: the Tensors passed in hand their ``_data``
to the fgrad transform (``fgrad.vjp``, ``fgrad.jvp``, ``fgrad.vmap``), the function sees Tensors
over fgrad's tracers -- Tensor methods, ``nn.functional`` and Modules work inside, and under
``vmap`` a Tensor reports one example's shape -- and the results come back as Tensors.
``functional_call`` and ``stack_module_state`` make Modules into functions of their parameters
(per-example gradients, ensembles); ``pure`` gives a Module's pure fgrad layer. See docs/vmap.md.

>>> import fgrad_nn as torch
>>> from fgrad_nn.func import functional_call, grad, vmap
>>> model = torch.nn.Linear(3, 1)
>>> params = {k: v.detach() for k, v in model.named_parameters()}
>>> def loss(params, x, y):
...     return ((functional_call(model, params, (x,)) - y) ** 2).mean()
>>> per_example = vmap(grad(loss), in_dims=(None, 0, 0))(params, torch.randn(8, 3), torch.randn(8, 1))
>>> per_example["weight"].shape
torch.Size([8, 1, 3])
"""
from ._module import ModuleLayer, functional_call, pure, stack_module_state
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap", "functional_call",
           "stack_module_state", "pure", "ModuleLayer"]
