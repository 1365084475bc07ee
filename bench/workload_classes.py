"""Real classes whose instances the class-instance workloads pickle.

Imported by make_workloads.py (which pickles instances: the pickles name
`workload_classes.Record` and `workload_classes.Point`) and by
cpython_bench.py (whose find_class resolves exactly these names, so
pickle.loads rebuilds real instances before pickle.dumps writes them again).
picklecheck's decoder never imports them: it decodes these pickles to
symbolic objects (canonical.md section 3), so the timings are not like for
like and are reported apart.
"""


class Record:
    """Plain instance: CPython pickles it with NEWOBJ + BUILD(__dict__) at
    protocol 2+, copyreg._reconstructor + BUILD below."""

    def __init__(self, ident, name, score, active):
        self.ident = ident
        self.name = name
        self.score = score
        self.active = active


class Point:
    """Instance with __reduce__: CPython pickles it as Point(x, y, label) REDUCE."""

    def __init__(self, x, y, label):
        self.x = x
        self.y = y
        self.label = label

    def __reduce__(self):
        return (Point, (self.x, self.y, self.label))
