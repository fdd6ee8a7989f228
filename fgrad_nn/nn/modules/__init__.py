"""torch.nn's Module classes, one file per family like torch/nn/modules/."""
from ..._discover import export_families

__all__ = export_families(__name__, __path__, globals())
