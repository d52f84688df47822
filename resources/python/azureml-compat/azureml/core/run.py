"""azureml.core.run for MLDesk runs: the Run class of mldesk."""

from mldesk import Run

__all__ = ["Run"]
