"""What the reliability suite measured, and the secret scan every case goes through.

The tests record their figures here; conftest.py prints them as a table when
GEEKAI_RELIABILITY_REPORT is set (`nox -s reliability` sets it).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["FIGURES", "Figures", "LogCapture", "exception_texts", "find_leaks"]


@dataclass
class Figures:
    cases: dict[str, bool] = field(default_factory=dict)
    """Matrix case id -> whether it ended as documented."""
    faults: set[str] = field(default_factory=set)
    recovered: int = 0
    typed_errors: int = 0
    creates: int = 0
    duplicate_creates: int = 0
    texts_scanned: int = 0
    secret_leaks: int = 0
    bad_inputs: int = 0
    bad_input_requests: int = 0
    deadline_calls: int = 0
    deadline_overruns: int = 0
    hostile_answers: int = 0
    hostile_answers_untyped: int = 0
    wrong_key_writes: int = 0
    interrupts_tried: int = 0
    """Real signals and output failures sent to a real `geekai-admin` process (create, rotate, bulk)."""
    interrupts_documented: int = 0
    """Of those, the runs that ended in their documented status, output and server state."""
    secrets_lost: int = 0
    interrupted_keys_misreported: int = 0
    """Keys an interrupted bulk run reported done that were not changed, or not started that were."""
    load_calls: int = 0
    load_completed: int = 0
    load_results: int = 0
    load_typed_errors: int = 0
    load_unhandled: int = 0
    load_injected_503: int = 0
    load_fd_delta: int | None = None
    load_peak_connections: int | None = None
    load_concurrency: int | None = None
    load_open_connections_after: int | None = None

    def rows(self) -> list[tuple[str, str, str]]:
        """(figure, value, requirement) for the summary table."""
        survived = sum(self.cases.values())
        return [
            ("fault cases tried (fault x operation x sync/async)", str(len(self.cases)), ""),
            ("distinct faults", str(len(self.faults)), ""),
            ("cases survived as documented", f"{survived}/{len(self.cases)}", "all"),
            ("  recovered within the retry budget", str(self.recovered), ""),
            ("  ended in the documented typed error", str(self.typed_errors), ""),
            ("creates attempted under faults", str(self.creates), ""),
            ("duplicate creates", str(self.duplicate_creates), "0"),
            ("texts scanned for secrets (logs, errors, reprs)", str(self.texts_scanned), ""),
            ("secret leaks", str(self.secret_leaks), "0"),
            ("hostile inputs rejected", str(self.bad_inputs), ""),
            ("requests sent for hostile input", str(self.bad_input_requests), "0"),
            ("hostile answers refused (amounts, nesting, other keys)", str(self.hostile_answers), ""),
            ("  ended other than in a typed error", str(self.hostile_answers_untyped), "0"),
            ("  writes to a key the caller did not name", str(self.wrong_key_writes), "0"),
            (
                "interrupts tried (create, rotate and bulk steps x SIGINT, SIGTERM, closed stdout, full device)",
                str(self.interrupts_tried),
                "",
            ),
            ("  ended as documented", f"{self.interrupts_documented}/{self.interrupts_tried}", "all"),
            ("  secrets lost", str(self.secrets_lost), "0"),
            ("  bulk keys misreported after an interrupt", str(self.interrupted_keys_misreported), "0"),
            ("calls held past their deadline by the server", str(self.deadline_calls), ""),
            ("  ended later than deadline + 1.5 s", str(self.deadline_overruns), "0"),
            ("load: calls completed", f"{self.load_completed}/{self.load_calls}", "all"),
            ("  results / typed errors", f"{self.load_results} / {self.load_typed_errors}", ""),
            ("  injected 503s", str(self.load_injected_503), "~5%"),
            ("  unhandled exceptions", str(self.load_unhandled), "0"),
            ("  peak server connections", _maybe(self.load_peak_connections), f"<= {_maybe(self.load_concurrency)}"),
            ("  file descriptors leaked", _maybe(self.load_fd_delta), "0"),
            ("  server connections left open", _maybe(self.load_open_connections_after), "0"),
        ]


def _maybe(value: int | None) -> str:
    return "not run" if value is None else str(value)


FIGURES = Figures()


class LogCapture(logging.Handler):
    """Every record of every logger, formatted with its traceback, kept for the secret scan."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


def exception_texts(error: BaseException) -> list[str]:
    """str, repr and the whole formatted chain (causes included) of an exception."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for name in ("message", "code", "problem", "field"):
        value = getattr(error, name, None)
        if isinstance(value, str):
            texts.append(value)
    return texts


def find_leaks(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The texts that contain any of the secrets (each shortened around the secret)."""
    wanted = [s for s in secrets if s]
    leaks = []
    for text in texts:
        for secret in wanted:
            at = text.find(secret)
            if at >= 0:
                leaks.append(text[max(0, at - 60) : at + len(secret) + 20])
    return leaks
