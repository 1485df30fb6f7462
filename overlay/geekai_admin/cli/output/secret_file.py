"""Where the command hands a new secret over: `--secret-to DEST`, `--secret-file PATH`, or stdout.

The library's hand-over rule (`ops.create`, `ops.rotate`): a secret counts as delivered once the
hand-over returned, and only then may an old key go. Here the hand-over is

- a destination (`ops.parse_destination`): prepared before anything is sent, so that one that
  cannot work is refused while nothing exists yet to be lost (exit status 2); `deliver` is
  durable (fsynced file, or a command that exited 0);
- or stdout: written and flushed without error (fsynced too when stdout is a regular file).

A hand-over that fails raises, and the library deletes the new key: nothing is left half-done. One
whose outcome is unknown (a delivery command stopped before it exited, after a timeout or an
interrupt) keeps the new key, and the command names it with the way to delete it.
`--secret-file PATH` is `file:PATH`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from geekai_admin import ApiKey, APIResponseValidationError, CreatedKey, HandOverError, ops
from geekai_admin.cli.console import error_line, say
from geekai_admin.cli.errors import CommandFailed, UsageError
from geekai_admin.cli.output import stdout
from geekai_admin.cli.output.text import dump_json, key_text, printable
from geekai_admin.cli.parser import PROG

if TYPE_CHECKING:
    from geekai_admin.cli.session import Session

__all__ = [
    "SecretOut",
    "may_exist",
    "raw_answer_error",
    "split_document",
    "undeleted",
    "unsaved",
    "unsure_delivery",
    "untouched",
    "write_out",
]

_STDOUT = "stdout"


def untouched(old: str) -> str:
    """How a failed or stopped rotation says its old key (uuid `old`) is as it was."""
    return f"the old key {old} was not touched"


def unsure_delivery(key: ApiKey | CreatedKey, where: str, reason: str | None = None) -> str:
    """A new key kept though its secret may not have arrived: which key, and how to delete it.
    `reason`: why the delivery did not finish (it already says the secret may or may not have arrived)."""
    name = "" if key.name is None else f" ({printable(repr(key.name))})"
    delete = f"if it did not, delete the key with '{PROG} keys delete {key.uuid}'"
    if reason is not None:
        return (
            f"the delivery of the new secret to {printable(where)} did not finish ({printable(reason)}); "
            f"the new key {key.uuid}{name} was kept, as its secret may be in use: {delete}"
        )
    return f"the new key {key.uuid}{name} was kept: its secret may or may not have reached {printable(where)}; {delete}"


def split_document(document: dict[str, Any]) -> tuple[str, str]:
    """The JSON text of `document` cut before its last top-level member: (head, tail). The head
    can leave before the last member is known; head + tail is the document as `dump_json` writes it."""
    text = dump_json(document)
    cut = text.rindex(',\n  "') + 2  # a top-level member starts a line indented by 2; inner ones by 4 or more
    return text[:cut], text[cut:]


class SecretOut:
    """One new secret's way out: a destination, or stdout (`head`, written by `hand_over`).

    `reserve` prepares it before anything is sent; `hand_over` is the library's `on_created`;
    `abandon` undoes the reservation when nothing was delivered (an error or an interrupt).
    """

    def __init__(self, session: Session, destination: ops.Destination | None, shown_as: str | None) -> None:
        self.session = session
        self.destination = destination
        self.shown_as = shown_as
        """How messages and JSON name the destination (the path of --secret-file as given)."""
        self.head: Callable[[CreatedKey], str] | None = None
        """What stdout receives in the hand-over (the secret with it) when there is no destination."""
        self.received: CreatedKey | None = None
        """The new key, once the hand-over was called (its uuid names it when delivery failed)."""
        self.delivered: bool = False

    @classmethod
    def reserve(cls, session: Session, *, replace: bool) -> SecretOut:
        """--secret-to or --secret-file, prepared now; one that cannot work is exit 2, nothing sent.
        `replace`: `--secret-to file:PATH` may replace an existing file (a rotated key's own)."""
        args = session.args
        command = args.command
        if args.secret_file is not None:
            option, text, replace, shown = "--secret-file", "file:" + args.secret_file, False, args.secret_file
        elif args.secret_to is not None:
            option, text, shown = "--secret-to", args.secret_to, args.secret_to
        else:
            return cls(session, None, None)
        try:
            destination = ops.parse_destination(text, replace=replace)
            destination.prepare()
        except ops.DeliveryError as exc:
            where = args.secret_file if option == "--secret-file" else exc.destination
            raise UsageError(f"{command}: {option} {where}: {exc.problem} (nothing was sent)") from None
        return cls(session, destination, shown)

    @property
    def where(self) -> str:
        """Where the secret goes, for messages."""
        return _STDOUT if self.shown_as is None else self.shown_as

    def hand_over(self, new: CreatedKey) -> None:
        """`on_created`: returns once the secret has left the process durably; raises DeliveryError if not."""
        self.received = new
        if self.destination is not None:
            try:
                self.destination.deliver(new.secret)
            except KeyboardInterrupt:  # a delivery command that exited 0 after the interrupt delivered
                self.delivered = isinstance(self.destination, ops.ExecDestination) and self.destination.exited == 0
                raise
        elif self.head is not None:
            write_out(self.session.redact(self.head(new)))
        self.delivered = True

    def abandon(self) -> None:
        """Nothing will be delivered: the reserved file (if any) is removed. A no-op once delivered."""
        if self.destination is not None and not self.delivered:
            self.destination.discard()

    def stored(self, key: CreatedKey) -> dict[str, Any]:
        """KEY plus where the secret went (`secret_file` or `secret_to`): the secret itself is there only."""
        field = "secret_file" if self.session.args.secret_file is not None else "secret_to"
        return {**key.to_dict(), field: self.where}

    def stored_text(self, key: CreatedKey) -> str:
        if isinstance(self.destination, ops.ExecDestination):
            said = f"Secret delivered to {printable(self.where)} (on its standard input; it exited 0)"
        else:
            said = f"Secret written to {printable(self.where)} (readable by you only)"
        return f"Created key {printable(key.uuid)}\n\n{key_text(key)}\n\n{said}; it is shown nowhere else."

    def failed(self, error: HandOverError, untouched: str = "") -> CommandFailed:
        """A hand-over that raised: the new key deleted; or kept, as its delivery may have worked;
        or, its deletion failed too, its secret kept in a 0600 file (`unsaved`) and the way to delete it."""
        command = self.session.args.command
        cause = error.__cause__
        reason = cause.problem if isinstance(cause, ops.DeliveryError | ops.DeliveryUncertain) else str(cause)
        if isinstance(cause, ops.DeliveryUncertain) and error.new is not None:
            return CommandFailed(f"{command}: {unsure_delivery(error.new, self.where, reason)}{untouched}")
        head = f"{command}: could not deliver the new secret to {printable(self.where)} ({reason})"
        if error.new is None:
            uuid = "" if self.received is None else f" {self.received.uuid}"
            return CommandFailed(
                f"{head}; the new key{uuid} was deleted, since no one could use it without its secret{untouched}"
            )
        return CommandFailed(f"{head}; {undeleted(error.new, unsaved(self.destination, error.new.secret))}{untouched}")

    def interrupted(self, interrupt: BaseException, untouched: str = "") -> None:
        """On the way out of an interrupt: a hand-over that failed meanwhile (a delivery command that
        failed on its own after Ctrl-C or SIGTERM came: the library undid it and raised the interrupt
        from its HandOverError), said as any failed hand-over, the interrupt going on (exit 130 or
        143: the user stopped the command, as a bulk run reports its failures and exits interrupted);
        else what may exist (the library's notes); then the reservation undone."""
        failed = interrupt.__cause__
        if isinstance(failed, HandOverError):
            say(error_line(str(self.failed(failed, untouched)), redact=self.session.redact))
            self.abandon()
            return
        command = self.session.args.command
        for text in getattr(interrupt, "__notes__", ()):
            # The library's note names its function ("ops.create"); a shell user ran a command.
            said = f"{command} was {text.what}" if isinstance(text, ops.InterruptNote) else text
            say(f"{PROG}: {printable(self.session.redact(said))}")
        if self.received is not None and self.destination is not None and not self.delivered:
            say(f"{PROG}: {unsure_delivery(self.received, self.where)}")
        self.abandon()


def write_out(text: str) -> None:
    """The hand-over to stdout: written, flushed, and fsynced when stdout is a regular file. A closed
    pipe or a full device is DeliveryError("stdout", why): the secret did not leave."""
    try:
        stdout.write_out(text, durable=True)
    except stdout.OutputFailed as failed:
        raise ops.DeliveryError(_STDOUT, failed.reason) from None


def raw_answer_error(error: HandOverError, out: SecretOut, name: str, state: str = "") -> CommandFailed:
    """A create whose answer could not be read: the key may exist, and that raw answer may hold the
    only copy of its secret. Without a destination it is shown (the one display of a secret), or,
    when stdout cannot take it, kept in a 0600 file (`unsaved`); with one, it goes nowhere but a
    0600 file beside the destination (`ops.keep_beside`), never to a terminal or a report; the
    message says where, and how to find or delete the key."""
    body = (error.raw_answer or "").strip()
    cause = error.__cause__
    problem = cause.problem if isinstance(cause, APIResponseValidationError) else str(error)
    if out.destination is None:
        try:
            write_out(printable(body) + "\n")
        except ops.DeliveryError as failed:
            kept = f"could not be written to stdout ({failed.problem}), so it {unsaved(None, body)}"
        else:
            kept = "is on stdout"
    else:
        out.abandon()
        kept = unsaved(out.destination, body)
    also = f"; {state}" if state else ""
    return CommandFailed(f"{out.session.args.command}: {problem}; {may_exist(name, kept)}{also}")


def unsaved(destination: ops.Destination | None, text: str) -> str:
    """Keeps a secret (or an answer holding one) that could not be delivered in a new 0600 file
    beside the destination (stdout's: the current folder); says where, or plainly that it is lost,
    as the end of "the new secret ..."."""
    try:
        kept = ops.keep_beside(destination, text + "\n")
    except ops.DeliveryError as failed:
        return f"could not be kept ({failed.problem}): it is lost"
    return f"is in {printable(str(kept))} (readable by you only)"


def undeleted(new: ApiKey | CreatedKey, kept: str) -> str:
    """A new key whose secret was not delivered and whose deletion failed: where its secret is (`kept`,
    from `unsaved`), and how to delete it."""
    return (
        f"deleting the new key failed too: the new key {new.uuid} exists and its secret {kept}; unless you "
        f"use that secret, delete the key with '{PROG} keys delete {new.uuid}'"
    )


def may_exist(name: str, kept: str) -> str:
    """What a create whose answer could not be read may have left, in the command's words."""
    return (
        f"a key named {printable(repr(name))} may have been created: the server's raw answer, which holds its "
        f"secret if so, {kept}; find the key with '{PROG} keys list' (or in GeekAI's web console if the list "
        f"cannot be read), then keep that secret or delete the key with '{PROG} keys delete UUID'"
    )
