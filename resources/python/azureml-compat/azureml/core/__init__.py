"""azureml.core for scripts run by MLDesk: Run maps onto mldesk.Run (get_context, log, log_list, log_row,
log_image, tag, get_details). Other Azure ML classes are not provided."""

from mldesk import Run

from .model import Model  # endpoints: Model.get_model_path(name) (issue 18)

__all__ = ["Run", "Model"]


def __getattr__(name):
    raise ImportError("azureml.core.%s is not available inside MLDesk runs; MLDesk provides azureml.core.Run "
                      "(run context logging) only" % name)
