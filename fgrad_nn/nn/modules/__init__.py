"""torch.nn's Module classes, one file per family like torch/nn/modules/."""
from typing import TYPE_CHECKING

from . import (activation, attention, batchnorm, container, conv, distance, dropout, flatten, fold, instancenorm,
               linear, loss, module, normalization, padding, pooling, rnn, sparse, transformer, upsampling)
# torch's module paths (torch.nn.modules.utils._pair ...); bound under private names, so that the star
# imports of nn/__init__.py do not take this `utils` for torch.nn.utils
from . import pixelshuffle as _pixelshuffle, utils as _utils  # noqa: F401
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403

if not TYPE_CHECKING:  # mypy reads only a literal __all__; without one it sees the names star-imported above
    __all__ = (activation.__all__ + attention.__all__ + batchnorm.__all__ + container.__all__ + conv.__all__
               + distance.__all__ + dropout.__all__ + flatten.__all__ + fold.__all__ + instancenorm.__all__
               + linear.__all__ + loss.__all__ + module.__all__ + normalization.__all__ + padding.__all__
               + pooling.__all__ + rnn.__all__ + sparse.__all__ + transformer.__all__ + upsampling.__all__)
