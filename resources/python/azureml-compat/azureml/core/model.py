"""azureml.core.Model for entry scripts served by MLDesk endpoints: Model.get_model_path(name) is the folder
holding the deployed model's files (AZUREML_MODEL_DIR), as in Azure ML with one model deployed."""

import os


class Model:
    @staticmethod
    def get_model_path(model_name, version=None, _workspace=None):
        root = os.environ.get("AZUREML_MODEL_DIR")
        if not root:
            raise RuntimeError("Model.get_model_path works inside an MLDesk endpoint (AZUREML_MODEL_DIR is not set)")
        deployed = os.environ.get("MLDESK_MODEL_NAME")
        if deployed and model_name != deployed:
            raise KeyError("this endpoint serves model '%s', not '%s'" % (deployed, model_name))
        return root
