"""Step a real redis-server's clock forward and back (tests/clock_shift.c, preloaded).

``ClockShift(directory)`` builds the shim with the C compiler (``cc``, once per source: the
library is kept in ``directory``) and gives the environment a ``redis-server`` is started
with (``tests.redis_server.RedisServer(env=…)``); :meth:`ClockShift.step` then moves that
server's wall clock by so many seconds from the true time (0: the true time again). Keys
expire on the server's wall clock: a step forward of more than a lease's time left expires
it at once, as a real clock step, NTP slew gone wrong, or a VM restored from a snapshot does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "clock_shift.c"


def compiler() -> str | None:
    """The C compiler the shim is built with (``cc``, else ``gcc``), or None."""
    return shutil.which("cc") or shutil.which("gcc")


class ClockShift:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        code = SOURCE.read_bytes()
        self.library = directory / f"clock_shift-{hashlib.sha256(code).hexdigest()[:12]}.so"
        if not self.library.exists():
            cc = compiler()
            if cc is None:
                raise RuntimeError("no C compiler (cc) to build tests/clock_shift.c: apt-get install gcc libc6-dev")
            built = self.library.with_suffix(f".{os.getpid()}.tmp")
            subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(built), str(SOURCE)], check=True)
            built.replace(self.library)
        self.file = directory / f"shift-{os.getpid()}-{id(self)}"
        self.step(0)

    @property
    def env(self) -> dict[str, str]:
        """The environment of a redis-server whose clock this object steps."""
        return {**os.environ, "LD_PRELOAD": str(self.library), "CLOCKSHIFT_FILE": str(self.file)}

    def step(self, seconds: float) -> None:
        """The server's wall clock reads the true time plus ``seconds`` from now on."""
        data = struct.pack("<q", round(seconds * 1_000_000))
        if self.file.exists():
            with self.file.open("r+b") as shift:  # in place: the server's mapping sees it at once
                shift.write(data)
        else:
            self.file.write_bytes(data)
