"""azureml.core for scripts run by MLDesk: Run maps onto mldesk.Run (get_context, log, log_list, log_row, log_table,
log_image, tag, set_tags, get_metrics, get_details, upload_file, complete, child_run, create_children,
get_children, parent, ...). Every other name comes from a real
azureml-core when the environment has one installed; otherwise importing it raises an ImportError that lists what
MLDesk provides."""

import os as _os

from mldesk import Run

from azureml.core._fallback import Fallback as _Fallback
from .model import Model  # endpoints: Model.get_model_path(name) (issue 18)

__all__ = ["Run", "Model"]

PROVIDED = "azureml.core.Run and azureml.core.run.Run (MLDesk's run context: get_context, log, log_list, log_row, " \
           "log_table, log_image, tag, set_tags, get_metrics, get_details, upload_file, complete, parent; child " \
           "runs: child_run, create_children, get_children, child.complete, child.fail; " \
           "azureml.core.Model.get_model_path)"

__path__ = [_os.path.dirname(_os.path.abspath(__file__))] + [
    _os.path.join(folder, "core") for folder in __import__("azureml").__path__[1:]
    if _os.path.isdir(_os.path.join(folder, "core"))]

_real = _Fallback(__name__, __path__, "__init__.py")


def __getattr__(name):
    return _real.lookup(name, PROVIDED)
