"""torch.nn's Module classes, one file per family like torch/nn/modules/."""
from . import (activation, attention, batchnorm, container, conv, distance, dropout, flatten, fold, instancenorm,
               linear, loss, module, normalization, padding, pooling, rnn, sparse, transformer, upsampling)
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

__all__ = (activation.__all__ + attention.__all__ + batchnorm.__all__ + container.__all__ + conv.__all__ +
           distance.__all__ + dropout.__all__ + flatten.__all__ + fold.__all__ + instancenorm.__all__ + linear.__all__
           + loss.__all__ + module.__all__ + normalization.__all__ + padding.__all__ + pooling.__all__ + rnn.__all__ +
           sparse.__all__ + transformer.__all__ + upsampling.__all__)
