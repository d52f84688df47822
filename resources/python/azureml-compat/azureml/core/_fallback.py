"""Loads a real azureml-core module that MLDesk's shim shadows, so its other names stay importable."""

import os


class Fallback:
    """The namespace of the real module `module_name` (e.g. azureml.core), found in `folders`; empty when none."""

    def __init__(self, module_name, package_path, file_name):
        self._module_name = module_name
        self._package_path = package_path  # the shim package's __path__ (shim first, real folders after)
        self._file_name = file_name
        self._namespace = None

    def namespace(self):
        if self._namespace is None:
            self._namespace = {}
            for folder in self._package_path[1:]:
                path = os.path.join(folder, self._file_name)
                if os.path.isfile(path):
                    package = self._module_name if self._file_name == "__init__.py" else \
                        self._module_name.rpartition(".")[0]
                    self._namespace.update({"__name__": self._module_name, "__package__": package,
                                            "__file__": path, "__builtins__": __builtins__})
                    if self._file_name == "__init__.py":
                        self._namespace["__path__"] = self._package_path
                    with open(path, encoding="utf-8") as f:
                        code = compile(f.read(), path, "exec")
                    # Filled while it runs: a real module importing a name of this one mid-way finds what exists.
                    exec(code, self._namespace)
                    break
        return self._namespace

    def installed(self):
        return bool(self.namespace())

    def lookup(self, name, provided):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        namespace = self.namespace()
        if namespace:
            if name in namespace:
                return namespace[name]
            raise AttributeError("module %r (from the installed azureml-core) has no attribute %r"
                                 % (self._module_name, name))
        raise ImportError("%s.%s is not available: azureml-core is not installed in this environment, and MLDesk's "
                          "azureml shim provides only %s. Install azureml-core in the environment (conda/pip) for the "
                          "rest of Azure ML's API." % (self._module_name, name, provided), name=name)
