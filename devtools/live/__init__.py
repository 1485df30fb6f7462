"""The live conformance run: the real admin API, checked against the spec, its behaviour recorded.

`nox -s live` (opt-in) runs `python -m devtools.live`; see "Live conformance" in CONTRIBUTING.md.
Modules: cli (options, exit status), run (the steps and the clean-up), wire (the one transport:
budget, records, validation), budget, findings (verdicts from what was seen, no I/O), report
(JSON and Markdown), scrub (the one place secrets are masked), interrupts (Ctrl-C and SIGTERM).
"""
