"""azureml.core.run for MLDesk runs: Run is mldesk.Run; other names come from a real azureml-core when installed."""

from mldesk import Run

import azureml.core as _core
from azureml.core._fallback import Fallback as _Fallback

__all__ = ["Run"]

_real = _Fallback(__name__, _core.__path__, "run.py")


def __getattr__(name):
    return _real.lookup(name, _core.PROVIDED)
