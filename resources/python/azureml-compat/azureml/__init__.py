"""MLDesk's azureml package, put on PYTHONPATH when a run's scripts import azureml (or the environment sets
MLDESK_AZUREML_COMPAT=1), so scripts written for Azure ML log into MLDesk unchanged.

Only azureml.core.Run (and azureml.core.run.Run) come from MLDesk. A real azureml installation further down
sys.path stays reachable: its folders are added to this package's __path__, so azureml.train, azureml.core.workspace
and the rest import from it.
"""

import os as _os
import sys as _sys


def _real_folders(package_folder, relative):
    """Folders named `relative` under the other sys.path entries (a real installation), after the shim's own."""
    own = _os.path.realpath(package_folder)
    found = []
    for entry in _sys.path:
        candidate = _os.path.join(entry or _os.getcwd(), *relative.split("/"))
        if _os.path.isdir(candidate) and _os.path.realpath(candidate) != own and candidate not in found:
            found.append(candidate)
    return found


__path__ = [_os.path.dirname(_os.path.abspath(__file__))] + _real_folders(_os.path.dirname(_os.path.abspath(__file__)),
                                                                          "azureml")
