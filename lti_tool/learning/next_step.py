"""Where a learner goes after an activity: the next activity of its module, then the first
activity of the next module, and at the end of the track nowhere (the page then offers the
module's overview and "My progress")."""

from __future__ import annotations

import dataclasses

from assessments.model import Activity, Module, Track


@dataclasses.dataclass(frozen=True)
class NextStep:
    """What follows ``module``'s activity: ``activity`` (in ``activity_module``), or None
    when it was the track's last."""

    track: Track
    module: Module  #: the module of the activity just done
    activity: Activity | None
    activity_module: Module | None

    @property
    def opens_module(self) -> bool:
        """The next activity is the first of another module (the page names it)."""
        return self.activity_module is not None and self.activity_module.id != self.module.id


def after(track: Track, activity_id: str) -> NextStep:
    """The step after ``activity_id`` in the track's order of modules and activities."""
    module = track.module_of(activity_id)
    found = False
    for candidate in track.modules:
        for activity in candidate.activities:
            if found:
                return NextStep(track, module, activity, candidate)
            found = activity.id == activity_id
    return NextStep(track, module, None, None)
