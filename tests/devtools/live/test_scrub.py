"""The one place secrets are masked in what a live run shows."""

from __future__ import annotations

from devtools.live.scrub import Scrubber

SYSTEM = "sk-system-abc123"


def test_registered_secrets_are_masked_longest_first() -> None:
    scrubber = Scrubber(SYSTEM)
    scrubber.add("sk-system-abc123-and-more")
    text = scrubber.text(f"key {SYSTEM}, longer sk-system-abc123-and-more.")
    assert text == "key <hidden>, longer <hidden>."


def test_secret_fields_of_a_body_are_learned_wherever_they_are() -> None:
    scrubber = Scrubber()
    scrubber.learn({"data": {"uuid": "u", "raw_value": "sk-new-1"}, "items": [{"secret": "sk-new-2"}]})
    scrubber.learn({"raw_value": 5})  # not a string: nothing to mask
    assert scrubber.text("sk-new-1 sk-new-2 u") == "<hidden> <hidden> u"


def test_authorization_headers_and_bearer_tokens_are_masked_even_if_unregistered() -> None:
    scrubber = Scrubber()
    assert scrubber.text("Authorization: Bearer abc.def") == "Authorization: <hidden>"
    assert scrubber.text('{"authorization": "sk-zzz"}') == '{"authorization": "<hidden>"}'
    assert scrubber.text("sent bearer tok_123 again") == "sent Bearer <hidden> again"


def test_data_is_scrubbed_in_every_string_keys_included() -> None:
    scrubber = Scrubber(SYSTEM)
    data = {"a": [SYSTEM, 1, None, True], SYSTEM: {"b": (f"x{SYSTEM}",)}}
    assert scrubber.data(data) == {"a": ["<hidden>", 1, None, True], "<hidden>": {"b": ["x<hidden>"]}}


def test_an_empty_secret_is_not_registered() -> None:
    scrubber = Scrubber("")
    assert scrubber.text("nothing to hide") == "nothing to hide"
