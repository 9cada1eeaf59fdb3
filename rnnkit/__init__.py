"""rnnkit: the library behind the course on recurrent neural networks.

Modules: `params` (parameter dicts and torch.nn conversions), `reference` (the equations in
torch, gradients by autograd), `gradcheck` (numerical gradients), `data` (synthetic tasks and
a character corpus), `models` and `train` (small torch models and a training loop), `decode`
(greedy and beam search), `plots`.
"""

from rnnkit.params import from_module, init_params, to_module

__all__ = ["init_params", "to_module", "from_module"]

