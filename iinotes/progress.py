"""A progress bar for long runs, on a terminal only (core: no click; the CLI decides where).

Quiet for runs shorter than `delay` (most runs: a warm cache reads nothing), then one line on
stderr, redrawn in place at most ten times a second and erased when the run is done, so it never
mixes with what the command prints on stdout."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

DELAY_SECONDS = 1.0


class Progress:
    """`progress(done, total)` callbacks drawn as `Reading notes [#####.....] 9,000/20,000`."""

    def __init__(
        self,
        stream: TextIO,
        label: str = "Reading notes",
        *,
        delay: float = DELAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        width: int = 30,
    ) -> None:
        self.stream, self.label, self.delay, self.clock, self.width = stream, label, delay, clock, width
        self._started: float | None = None
        self._drawn_at = 0.0
        self._shown = 0  # length of the line on screen (0: nothing shown)

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done == 0 or self._started is None:  # a new run (watch mode reads again and again)
            self._started = now
        if total <= 0 or done >= total:
            self.finish()
            return
        if now - self._started < self.delay or (self._shown and now - self._drawn_at < 0.1):
            return
        filled = self.width * done // total
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done:,}/{total:,}"
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown, self._drawn_at = len(line), now

    def finish(self) -> None:
        """Erase the bar (if one is shown)."""
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
        self._started = None


def for_stream(stream: TextIO) -> Progress | None:
    """A Progress on `stream` when it is a terminal, else None (pipes, files, CI logs)."""
    try:
        return Progress(stream) if stream.isatty() else None
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
