"""A simulated Unity Editor for tests, benchmarks and the demo (no Unity needed).

``SimulatedUnity`` (``peer.py``) speaks the wire protocol; ``SimulatedEditor``
(``editor.py``) is the editor state behind it, answering every catalog command (one
module per catalog domain in ``domains/``), over the scene graph of ``scene.py`` and
the stand-in C# compiler of ``compiler.py``.
"""

from .editor import SimulatedEditor, run_simulated_editor
from .peer import (
    AnswerThenCompile,
    CommandHandler,
    CompileThenAnswer,
    HandshakeRejected,
    NoAnswer,
    ReloadThenAnswer,
    SimulatedUnity,
    envelope,
)

__all__ = [
    "AnswerThenCompile",
    "CommandHandler",
    "CompileThenAnswer",
    "HandshakeRejected",
    "NoAnswer",
    "ReloadThenAnswer",
    "SimulatedEditor",
    "SimulatedUnity",
    "envelope",
    "run_simulated_editor",
]
