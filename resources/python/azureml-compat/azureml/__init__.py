"""MLDesk's stand-in for the azureml package (only azureml.core.Run), on PYTHONPATH when the environment sets
MLDESK_AZUREML_COMPAT=1, so scripts written for Azure ML log into MLDesk unchanged."""
