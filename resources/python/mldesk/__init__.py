"""MLDesk run context: log metrics, images and tags from a training script.

Inside an MLDesk run (MLDESK_RUN_ID set) everything goes to the run's metrics file, which MLDesk ingests live.
Outside MLDesk (an offline run) the calls print what they would log instead of failing, like Azure ML's
Run.get_context(allow_offline=True).

Child runs (run.child_run(), run.create_children()) live in the run's folder: children/<n>/metrics.jsonl holds a
child's metrics, and children.jsonl is the event log MLDesk follows ({"event": "start"|"end", "index": n, ...}, one
line per event, appended with one write), so children work alike for local, container and Slurm runs.
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

    def __init__(self, run_id=None, metrics_file=None, outputs=None, run_dir=None, parent=None):
        self.id = run_id
        self._metrics_file = metrics_file
        self._outputs = outputs or os.path.join(os.getcwd(), "outputs")
        self._run_dir = run_dir
        self._parent = parent
        self._steps = {}
        self._logged = {}
        self._write_lock = threading.Lock()
        self._children = {}  # index -> _ChildRun, the children this process knows
        self._children_lock = threading.Lock()

    # -- creation ------------------------------------------------------------------------------------------------
    @classmethod
    def get_context(cls, allow_offline=True):
        """The current run; an offline run (printing) when the script was not started by MLDesk."""
        with cls._lock:
            if cls._context is None:
                run_id = os.environ.get("MLDESK_RUN_ID")
                if run_id:
                    parent_id = os.environ.get("MLDESK_PARENT_RUN_ID")  # a sweep's trial
                    cls._context = Run(run_id, os.environ.get("MLDESK_METRICS_FILE"),
                                       os.environ.get("MLDESK_OUTPUTS"), os.environ.get("MLDESK_RUN_DIR"),
                                       _RunReference(parent_id) if parent_id else None)
                elif allow_offline:
                    cls._context = _OfflineRun()
                else:
                    raise RuntimeError("not inside an MLDesk run (MLDESK_RUN_ID is not set); "
                                       "use Run.get_context(allow_offline=True) to run offline")
            return cls._context

    @property
    def offline(self):
        return False

    @property
    def parent(self):
        """The parent run: None for a top-level run; a child's parent; a sweep trial's sweep (id only)."""
        return self._parent

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

    def get_status(self):
        return "Running"

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return False

    # -- child runs ----------------------------------------------------------------------------------------------
    def _base(self):
        """The run's folder as the script sees it (where metrics.jsonl is): None offline."""
        return os.path.dirname(os.path.abspath(self._metrics_file)) if self._metrics_file else None

    def _event(self, entry):
        entry["time"] = time.time()
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        base = self._base()
        if base is None:
            print("[mldesk] child run " + line, end="", flush=True)
            return
        fd = os.open(os.path.join(base, "children.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def child_run(self, name=None, run_id=None, outputs=None):
        """Start a child run of this run (Azure ML's Run.child_run): it has its own metrics, tags and outputs,
        appears under this run in MLDesk, and ends with child.complete() or child.fail() (or when this run ends,
        with this run's outcome). run_id and outputs are accepted for compatibility; MLDesk names children
        '<this run>_<n>'."""
        base = self._base()
        with self._children_lock:
            index = len(self._children)
            if base is not None:
                # mkdir is atomic: several threads or processes of one run never get the same index.
                while True:
                    try:
                        os.makedirs(os.path.join(base, "children", str(index)))
                        break
                    except FileExistsError:
                        index += 1
            child = _ChildRun(self, index, name)
            self._children[index] = child
        self._event({"event": "start", "index": index, "id": child.id, "name": child.name})
        return child

    def create_children(self, count=None, tag_key=None, tag_values=None):
        """Start count child runs at once (Azure ML's Run.create_children); with tag_key and tag_values, child i
        gets the tag tag_key = tag_values[i] (count defaults to len(tag_values))."""
        if count is None:
            if tag_values is None:
                raise ValueError("create_children needs count= or tag_values=")
            count = len(tag_values)
        if tag_values is not None and len(tag_values) != count:
            raise ValueError("create_children: %d tag_values for %d children" % (len(tag_values), count))
        children = []
        for i in range(int(count)):
            child = self.child_run()
            if tag_key is not None:
                child.tag(tag_key, tag_values[i] if tag_values is not None else None)
            children.append(child)
        return children

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        """This run's children, oldest first: those this process made and those any other process of the run made
        (read from children.jsonl). status filters by 'Running', 'Completed', 'Failed' or 'Canceled'."""
        states = {}
        base = self._base()
        if base is not None:
            try:
                with open(os.path.join(base, "children.jsonl"), encoding="utf-8") as f:
                    for line in f:
                        try:
                            event = json.loads(line)
                            index = int(event["index"])
                        except (ValueError, KeyError, TypeError):
                            continue
                        if event.get("event") == "start":
                            states.setdefault(index, ("Running", event.get("name")))
                        elif event.get("event") == "end":
                            states[index] = (event.get("status", "Completed"), states.get(index, (None, None))[1])
            except OSError:
                pass
        with self._children_lock:
            for index, (state, name) in states.items():
                if index not in self._children:
                    self._children[index] = _ChildRun(self, index, name)
                self._children[index]._status = state
            children = [self._children[i] for i in sorted(self._children)]
        for child in children:
            if status is not None and child.get_status() != status:
                continue
            if isinstance(tags, str) and tags not in child._tags:
                continue
            if isinstance(tags, dict) and any(child._tags.get(k) != str(v) for k, v in tags.items()):
                continue
            yield child


class _RunReference:
    """A run known only by its id (a sweep trial's parent)."""

    def __init__(self, run_id):
        self.id = run_id
        self.parent = None

    def __repr__(self):
        return "Run(id=%r)" % self.id


class _ChildRun(Run):
    """A child run made by a script: its lines go to children/<n>/metrics.jsonl of the parent's folder."""

    def __init__(self, parent, index, name=None):
        base = parent._base()
        folder = os.path.join(base, "children", str(index)) if base is not None else None
        super().__init__("%s_%d" % (parent.id, index), os.path.join(folder, "metrics.jsonl") if folder else None,
                         os.path.join(folder, "outputs") if folder else os.path.join(os.getcwd(), "outputs"),
                         folder, parent)
        self.index = index
        self.name = name or "child %d" % index
        self._status = "Running"
        self._tags = {}

    @property
    def offline(self):
        return self._parent.offline

    def tag(self, key, value=None):
        self._tags[str(key)] = None if value is None else str(value)
        super().tag(key, value)

    def _end(self, status, error=None):
        if self._status != "Running":
            return
        self._status = status
        entry = {"event": "end", "index": self.index, "status": status}
        if error:
            entry["error"] = str(error)
        self._parent._event(entry)

    def complete(self, _set_status=True):
        """End this child Completed."""
        self._end("Completed")

    def fail(self, error_details=None, error_code=None, _set_status=True):
        """End this child Failed; error_details (a string or an exception) becomes its failure reason."""
        reason = str(error_details) if error_details is not None else "the script failed the child run"
        if error_code:
            reason = "%s: %s" % (error_code, reason)
        self._end("Failed", reason)

    def cancel(self):
        """End this child Canceled."""
        self._end("Canceled", "canceled by the script")

    def get_status(self):
        return self._status

    def get_details(self):
        return {"runId": self.id, "status": self._status, "parentRunId": self._parent.id, "name": self.name,
                "target": self._parent.get_details().get("target", "local")}

    def child_run(self, name=None, run_id=None, outputs=None):
        raise NotImplementedError("MLDesk: a child run cannot have child runs of its own; make them on the "
                                  "top-level run (Run.get_context().child_run())")

    def get_children(self, *args, **kwargs):
        return iter(())

    def __exit__(self, kind, value, traceback):
        if value is not None:
            self.fail(error_details="%s: %s" % (kind.__name__, value))
        else:
            self.complete()
        return False

    def __repr__(self):
        return "Run(id=%r, status=%r)" % (self.id, self._status)


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
