"""MLDesk run context: log metrics, images and tags from a training script.

Inside an MLDesk run (MLDESK_RUN_ID set) everything goes to the run's metrics file, which MLDesk ingests live.
Outside MLDesk (an offline run) the calls print what they would log instead of failing, like Azure ML's
Run.get_context(allow_offline=True).
"""

import json
import os
import threading
import time

__all__ = ["Run"]


class Run:
    """The run a script is part of. Get it with Run.get_context()."""

    _context = None
    _lock = threading.Lock()

    def __init__(self, run_id=None, metrics_file=None, outputs=None, run_dir=None):
        self.id = run_id
        self._metrics_file = metrics_file
        self._outputs = outputs or os.path.join(os.getcwd(), "outputs")
        self._run_dir = run_dir
        self._steps = {}
        self._logged = {}
        self._write_lock = threading.Lock()

    # -- creation ------------------------------------------------------------------------------------------------
    @classmethod
    def get_context(cls, allow_offline=True):
        """The current run; an offline run (printing) when the script was not started by MLDesk."""
        with cls._lock:
            if cls._context is None:
                run_id = os.environ.get("MLDESK_RUN_ID")
                if run_id:
                    cls._context = Run(run_id, os.environ.get("MLDESK_METRICS_FILE"),
                                       os.environ.get("MLDESK_OUTPUTS"), os.environ.get("MLDESK_RUN_DIR"))
                elif allow_offline:
                    cls._context = _OfflineRun()
                else:
                    raise RuntimeError("not inside an MLDesk run (MLDESK_RUN_ID is not set); "
                                       "use Run.get_context(allow_offline=True) to run offline")
            return cls._context

    @property
    def offline(self):
        return False

    # -- logging -------------------------------------------------------------------------------------------------
    def _next_step(self, name, step):
        if step is None:
            step = self._steps.get(name, 0)
        self._steps[name] = max(self._steps.get(name, 0), int(step) + 1)
        return int(step)

    def _write(self, entry):
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._write_lock:
            if not self._metrics_file:
                print("[mldesk] " + line, end="", flush=True)
                return
            # One write(2) per line on an O_APPEND descriptor: lines from several writers never interleave.
            fd = os.open(self._metrics_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)

    def log(self, name, value, description="", step=None):
        """Log one value of a metric, as Azure ML's Run.log: a number (repeated calls form a series), a boolean
        (stored as 1 or 0) or a string. A string is a text metric: stored as the run's tag `name` (the last value
        wins), shown with the run's tags."""
        if isinstance(value, str):
            self.tag(name, value)
            return
        if isinstance(value, bool):
            value = 1.0 if value else 0.0
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError("run.log(%r, ...) takes a number, a boolean or a string, not %s"
                            % (name, type(value).__name__)) from None
        self._write({"name": str(name), "step": self._next_step(name, step), "value": value, "time": time.time()})
        self._logged.setdefault(str(name), []).append(value)

    def log_list(self, name, value, description=""):
        """Log a list of values as one series (steps 0, 1, ...)."""
        for v in value:
            self.log(name, v)

    def log_table(self, name, value, description=""):
        """Log a table given as {column: [values...]}: each column becomes the series 'name/column'."""
        for column, values in value.items():
            for row, v in enumerate(values):
                self.log("%s/%s" % (name, column), v, step=row)

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        """The metrics this run logged: {name: value} for a single value, {name: [values]} for a series."""
        out = {}
        for key, values in self._logged.items():
            if name is None or key == name:
                out[key] = values[0] if len(values) == 1 else list(values)
        return out

    def upload_file(self, name, path_or_stream):
        """Put a file into the run's outputs as `name` (e.g. 'outputs/model.pkl' or 'model.pkl'); MLDesk captures
        outputs/ when the run ends."""
        import shutil
        relative = name[len("outputs/"):] if name.startswith("outputs/") else name
        target = os.path.join(self._outputs, relative)
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if hasattr(path_or_stream, "read"):
            with open(target, "wb") as f:
                shutil.copyfileobj(path_or_stream, f)
        elif os.path.abspath(path_or_stream) != os.path.abspath(target):
            shutil.copyfile(path_or_stream, target)
        return target

    def log_row(self, name, description=None, **kwargs):
        """Log one row of a table: each column becomes the series 'name/column' at the row's index."""
        row = self._next_step(name, None)
        for column, v in kwargs.items():
            self.log("%s/%s" % (name, column), v, step=row)

    def log_image(self, name, path=None, plot=None, description=""):
        """Log an image: an existing file (path) or a matplotlib figure (plot), saved as PNG under outputs/."""
        if path is None and plot is None:
            raise ValueError("log_image needs path= or plot=")
        step = self._next_step(name, None)
        folder = os.path.join(self._outputs, "images")
        os.makedirs(folder, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name))
        target = os.path.join(folder, "%s_%d.png" % (safe, step))
        if plot is not None:
            figure = plot.gcf() if hasattr(plot, "gcf") else plot
            figure.savefig(target, format="png")
        else:
            import shutil
            if os.path.abspath(path) != os.path.abspath(target):
                shutil.copyfile(path, target)
        relative = os.path.relpath(target, os.path.dirname(self._outputs))
        self._write({"name": str(name), "step": step, "type": "image", "path": relative, "time": time.time()})

    def tag(self, key, value=None):
        """Set a tag on the run (shown with the run and searchable)."""
        self._write({"type": "tag", "name": str(key), "value": "" if value is None else str(value)})

    def set_tags(self, tags):
        for key, value in tags.items():
            self.tag(key, value)

    def get_details(self):
        """The run's id, experiment, status and configuration (from run.json)."""
        details = {"runId": self.id, "experiment": os.environ.get("MLDESK_EXPERIMENT"), "status": "Running",
                   "target": "local"}
        if self._run_dir:
            try:
                with open(os.path.join(self._run_dir, "run.json"), encoding="utf-8") as f:
                    config = json.load(f)
                details["runDefinition"] = config
                details["target"] = config.get("compute", {}).get("name", "local")
            except (OSError, ValueError):
                pass
        return details

    def complete(self):
        """Azure ML compatibility: MLDesk completes the run when the script exits."""

    def flush(self):
        """Azure ML compatibility: every line is written at once."""


class _OfflineRun(Run):
    """A run outside MLDesk: logging prints, nothing fails."""

    def __init__(self):
        super().__init__("OfflineRun_" + str(int(time.time())), None, os.path.join(os.getcwd(), "outputs"), None)

    @property
    def offline(self):
        return True

    def log_image(self, name, path=None, plot=None, description=""):
        print("[mldesk offline] image %s: %s" % (name, path if path is not None else "figure"), flush=True)

    def get_details(self):
        return {"runId": self.id, "status": "Offline", "target": "local"}
