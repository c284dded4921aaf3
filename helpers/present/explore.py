"""Explore sections: ipywidgets selectors that re-run a notebook's own helpers on a slice.

Every notebook ends with an Explore section built with :func:`explore`. In
JupyterLab or Voilà the selectors update the section's tables and plots in
place; in a batch run (the runner gives the kernel ``WORKBOOK_STATIC=1``) the section
shows the default slice as a static table or plot, so the shared HTML never carries
an error or an empty widget box.

The widgets only pick arguments; drawing is the ``render`` function the
notebook passes, which calls the same helpers as the report sections.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers import settings
from helpers.i18n import is_zh

ALL = "__all__"


def is_static() -> bool:
    """True in batch runs, where widgets cannot be live and the default slice is shown instead."""
    return settings.get().static


def choice(options: Sequence[Any] | dict[str, Any], value: Any = None, description: str = "",
           all_label: str | None = None):
    """A dropdown; ``all_label`` adds a first option meaning "no filter" (render receives None).

    ``options`` is a list of values (shown as they are) or a dict label -> value.
    """
    import ipywidgets as w

    pairs = list(options.items()) if isinstance(options, dict) else [(str(o), o) for o in options]
    if all_label is not None:  # a real value: a Dropdown shows None as an empty box
        pairs = [(all_label, ALL), *pairs]
    values = [v for _, v in pairs]
    value = ALL if value is None and all_label is not None else value
    return w.Dropdown(options=pairs, value=value if value in values else values[0], description=description,
                      style={"description_width": "initial"})


def toggle(options: dict[str, Any], value: Any, description: str = ""):
    """Toggle buttons for a 口径 choice such as pooled vs daily-mean rates."""
    import ipywidgets as w

    # Buttons as wide as their text: the fixed default width cuts 合计口径（总数/总数） short.
    return w.ToggleButtons(options=list(options.items()), value=value, description=description,
                           style={"description_width": "initial", "button_width": "auto"})


def date_range(start, end, first, last, description: str = ""):
    """A pair of date pickers bounded by the data's range; its value is (start, end)."""
    import ipywidgets as w
    import pandas as pd

    pickers = [w.DatePicker(value=pd.Timestamp(v).date(), description=d, min=pd.Timestamp(first).date(),
                            max=pd.Timestamp(last).date(), style={"description_width": "initial"})
               for v, d in ((start, description), (end, "~"))]
    return DateRange(w.HBox(pickers), pickers)


@dataclass
class DateRange:
    """Two date pickers that act as one control (``value`` is a (start, end) pair of Timestamps)."""

    box: Any
    pickers: list

    @property
    def value(self):
        import pandas as pd

        return tuple(pd.Timestamp(p.value) for p in self.pickers)

    @value.setter
    def value(self, pair):
        import pandas as pd

        for picker, v in zip(self.pickers, pair, strict=True):
            picker.value = pd.Timestamp(v).date()

    def observe(self, handler, names="value"):
        for picker in self.pickers:
            picker.observe(handler, names=names)


def current_values(controls: dict[str, Any]) -> dict[str, Any]:
    """What ``render`` receives: each control's value, with the "all" option as None."""
    return {name: None if control.value == ALL else control.value for name, control in controls.items()}


@dataclass
class Explorer:
    """The live selectors, their output area and the time the last update took."""

    controls: dict[str, Any]
    render: Callable[..., Any]
    output: Any = None
    box: Any = None
    seconds: float = 0.0
    updates: int = 0
    errors: list[str] = field(default_factory=list)
    lang: str = "zh"

    def values(self) -> dict[str, Any]:
        return current_values(self.controls)

    def update(self, change=None) -> None:
        """Redraw the output for the current selection (called on every change)."""
        from IPython.utils.capture import capture_output

        started = time.perf_counter()
        # The view is drawn aside and handed to the output widget whole, not captured through
        # it: Voilà (0.5) now and then never finishes a page whose cell captures into an
        # Output widget while it runs (voila-dashboards/voila#1428), and a redraw swaps the
        # old view for the new one in one step instead of clearing first.
        with capture_output(display=True) as drawn:
            try:
                _render_and_close(self.render, self.values(), self.lang)
            except Exception as exc:  # show the problem in place instead of breaking the widgets
                self.errors.append(f"{type(exc).__name__}: {exc}")
                print(f"{type(exc).__name__}: {exc}")
        outputs = [{"output_type": "display_data", "data": shown.data, "metadata": shown.metadata or {}}
                   for shown in drawn.outputs]
        outputs += [{"output_type": "stream", "name": name, "text": text}
                    for name, text in (("stdout", drawn.stdout), ("stderr", drawn.stderr)) if text]
        self.output.outputs = tuple(outputs)
        self.seconds = time.perf_counter() - started
        self.updates += 1


def _render_and_close(render: Callable[..., Any], values: dict[str, Any], lang: str = "zh") -> None:
    import matplotlib.pyplot as plt
    from IPython.display import display

    from helpers.present.display import show_markdown
    from helpers.present.notes import capture, render_notes

    # A slice's notes (e.g. days with a zero denominator) are shown under it, not in the
    # report's list: the slice changes with every selection.
    result, notes = capture(render, **values)
    figures = result if isinstance(result, list | tuple) else [result]
    for item in figures:
        if item is None:
            continue
        display(item)
        if isinstance(item, plt.Figure):
            plt.close(item)  # displayed once, then freed: redraws must not pile up figures
    if notes:
        show_markdown(render_notes(notes, lang))


def explore(render: Callable[..., Any], controls: dict[str, Any], lang: str = "zh") -> Explorer | None:
    """Show selectors that re-run ``render`` on each change; statically in batch runs.

    Parameters
    ----------
    render : called as ``render(**values)`` with one keyword per control; it
        returns what to show (a DataFrame/Styler, a Figure, or a list of them).
    controls : name -> widget (from :func:`choice`, :func:`toggle`,
        :func:`date_range`, or any ipywidget with a ``value``).
    lang : language of the note shown in static mode.

    Returns
    -------
    The :class:`Explorer` (live mode), or None in static mode.
    """
    from IPython.display import Markdown, display

    if is_static():
        defaults = current_values(controls)
        note = ("*静态视图（默认筛选）。在 JupyterLab 或 `make dashboard` 中打开本笔记本即可交互筛选。*" if is_zh(lang)
                else "*Static view of the default slice. Open this notebook in JupyterLab or `make dashboard` "
                "to explore interactively.*")
        display(Markdown(note))
        _render_and_close(render, defaults, lang)
        return None
    import ipywidgets as w

    explorer = Explorer(controls=controls, render=render, output=w.Output(), lang=lang)
    boxes = [getattr(c, "box", c) for c in controls.values()]
    explorer.box = w.VBox([w.HBox(boxes, layout=w.Layout(flex_flow="row wrap")), explorer.output])
    for control in controls.values():
        control.observe(explorer.update, names="value")
    display(explorer.box)
    explorer.update()
    return explorer
