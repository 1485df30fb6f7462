"""`python -m codegen.upstream` against a local copy of the docs site: each case of the issue."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from codegen.generate import PACKAGE, ROOT, Inputs, differences, load_yaml, recorded_source
from codegen.upstream.__main__ import main
from codegen.upstream.spec_diff import diff_documents
from tests.support.docs_site import DocsSite, excerpt, serve, slug
from tests.support.generated_tree import operation_drift

VENDORED: dict[str, Any] = load_yaml(ROOT / "adminapi.yaml")
LOGS = "/api_keys/{uuid}/logs"


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    report_path: Path

    @property
    def report(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.report_path.read_text(encoding="utf-8"))
        return loaded


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(site: DocsSite, *args: str, root: Path = ROOT) -> Run:
        report = tmp_path / "report.json"
        with serve(site) as base:
            status = main(["--docs", base, "--report", str(report), *args], root=root)
        out = capsys.readouterr()
        return Run(status, out.out, out.err, report)

    return run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what the pipeline reads and writes: the spec, the patch, codegen's inputs, generated/."""
    copy_root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".*")
    for name in ("adminapi.yaml", "adminapi.patch.yaml"):
        (copy_root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy_root / name)
    shutil.copytree(ROOT / "codegen", copy_root / "codegen", ignore=ignore)
    shutil.copytree(ROOT / "generated", copy_root / "generated", ignore=ignore)
    return copy_root


def _untouched(repo: Path) -> None:
    assert (repo / "adminapi.yaml").read_bytes() == (ROOT / "adminapi.yaml").read_bytes()
    assert Inputs.at(repo).published.read_bytes() == Inputs().published.read_bytes()
    assert differences(ROOT / "generated", repo / "generated") == []


def _edited(*edits: Any) -> dict[str, Any]:
    document = copy.deepcopy(VENDORED)
    for edit in edits:
        edit(document)
    return document


def _add_remark(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["ApiKey"]["properties"]["remark"] = {"type": "string", "description": "备注"}


def _add_logs(document: dict[str, Any]) -> None:
    document["paths"][LOGS] = {
        "get": {
            "summary": "获取 API KEY 调用日志",
            "parameters": [{"$ref": "#/components/parameters/UuidParam"}],
            "responses": {
                "200": {
                    "description": "成功响应",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessageResponse"}}},
                }
            },
        }
    }


def test_a_site_built_from_the_vendored_document_is_no_change(run: Any) -> None:
    vendored, provenance = (ROOT / "adminapi.yaml").read_bytes(), (ROOT / "generated/provenance.json").read_bytes()
    result = run(DocsSite.from_document(VENDORED))
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"], report["changes"]) == (False, False, [])
    assert report["operations"] == {"added": [], "removed": [], "changed": []}
    assert report["python_api"] == {"removed": [], "changed": [], "added": []}
    assert all(action["matched"] == action["matched_before"] for action in report["patch"])
    assert result.stdout.startswith(f"## Upstream spec: {report['source']}\n\nNo change")
    assert (ROOT / "adminapi.yaml").read_bytes() == vendored
    assert (ROOT / "generated/provenance.json").read_bytes() == provenance


def test_a_whole_document_can_be_compared_instead(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.json"
    assert main(["--document", str(ROOT / "adminapi.yaml"), "--report", str(report)]) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["changed"] is False
    assert "No change" in capsys.readouterr().out


@pytest.mark.slow
def test_an_additive_change_names_each_addition_and_is_not_breaking(run: Any) -> None:
    result = run(DocsSite.from_document(_edited(_add_remark, _add_logs)))
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"]) == (True, False)
    assert report["operations"]["added"] == [f"GET {LOGS}"]
    assert report["operations"]["removed"] == []
    assert "GET /api_keys" in report["operations"]["changed"]
    changes = {c["where"]: c for c in report["changes"]}
    assert changes["components.schemas.ApiKey.properties.remark"] | {"rule": ""} == {
        "where": "components.schemas.ApiKey.properties.remark",
        "kind": "added",
        "breaking": False,
        "class": "additive",
        "rule": "",
        "absorbed_by_patch": False,
    }
    assert changes[f"paths.{LOGS}"]["kind"] == "added"
    api = report["python_api"]
    assert (api["removed"], api["changed"]) == ([], [])
    assert f"{PACKAGE}.models.api_key.ApiKey.remark" in api["added"]
    assert f"{PACKAGE}.api.default.get_api_keys_uuid_logs" in api["added"]
    assert "Changed, nothing breaking." in result.stdout


@pytest.mark.slow
def test_a_breaking_change_names_each_break(run: Any) -> None:
    def breaking(document: dict[str, Any]) -> None:
        properties = document["components"]["schemas"]["ApiKey"]["properties"]
        del properties["group"]  # a field no patch action touches
        properties["credit_used"]["type"] = "string"
        del document["paths"]["/api_keys/{uuid}"]["delete"]

    result = run(DocsSite.from_document(_edited(breaking)))
    assert result.status == 0, result.stderr
    report = result.report
    assert (report["changed"], report["breaking"]) == (True, True)
    assert report["operations"]["removed"] == ["DELETE /api_keys/{uuid}"]
    changes = {c["where"]: (c["kind"], c["breaking"], c["rule"]) for c in report["changes"]}
    assert changes["components.schemas.ApiKey.properties.group"] == ("removed", True, "response field removed")
    assert changes["components.schemas.ApiKey.properties.credit_used.type"] == ("changed", True, "type changed")
    assert changes["paths./api_keys/{uuid}.delete"] == ("removed", True, "operation removed")
    api = report["python_api"]
    assert f"{PACKAGE}.api.api_keys.delete_api_key" in api["removed"]
    assert f"{PACKAGE}.models.api_key.ApiKey.group" in api["removed"]
    [delete_names] = [a for a in report["patch"] if a["target"] == "$.paths['/api_keys/{uuid}'].delete"]
    assert (delete_names["matched"], delete_names["matched_before"]) == (0, 1)
    assert "now selects nothing" in delete_names["note"]
    assert "**Breaking**" in result.stdout


def test_two_pages_that_disagree_are_an_error_and_nothing_is_written(run: Any, repo: Path) -> None:
    site = DocsSite.from_document(_edited(_add_logs))
    edited = excerpt(_edited(_add_logs), "post", "/api_keys")
    edited["components"]["schemas"]["ApiKey"]["description"] = "a different ApiKey"
    page = site.put("post", "/api_keys", edited)
    result = run(site, "--apply", root=repo)
    assert result.status == 1
    first = slug("get", "/api_keys")
    assert result.stderr.startswith("upstream: error: http://127.0.0.1:")
    assert f"{first}.md and " in result.stderr
    assert result.stderr.rstrip().endswith(f"{page} disagree on components.schemas.ApiKey")
    assert (result.stdout, result.report_path.exists()) == ("", False)
    _untouched(repo)


def test_a_page_that_fails_to_load_is_an_error_naming_it_and_nothing_is_written(run: Any, repo: Path) -> None:
    site = DocsSite.from_document(_edited(_add_logs))
    site.status[slug("put", "/api_keys/{uuid}") + ".md"] = 404
    result = run(site, "--apply", root=repo)
    assert result.status == 1
    assert result.stderr.startswith("upstream: error: http://127.0.0.1:")
    assert result.stderr.rstrip().endswith(slug("put", "/api_keys/{uuid}") + ".md: HTTP 404")
    assert (result.stdout, result.report_path.exists()) == ("", False)
    _untouched(repo)


def test_a_merged_document_that_is_not_openapi_3_1_is_an_error(run: Any, repo: Path) -> None:
    result = run(
        DocsSite.from_document(
            _edited(lambda d: d["paths"]["/api_keys"]["get"]["responses"]["200"].pop("description"))
        ),
        "--apply",
        root=repo,
    )
    assert result.status == 1
    assert "not a valid OpenAPI 3.1 document" in result.stderr
    assert not result.report_path.exists()
    _untouched(repo)


def test_a_document_the_pipeline_refuses_is_an_error_and_nothing_is_written(run: Any, repo: Path) -> None:
    def unresolvable(document: dict[str, Any]) -> None:
        _add_logs(document)
        del document["paths"][LOGS]["get"]["parameters"]  # {uuid} in the path, no parameter: not fixed by the patch

    result = run(DocsSite.from_document(_edited(unresolvable)), "--apply", root=repo)
    assert result.status == 1
    assert "regenerating from http://127.0.0.1:" in result.stderr
    assert "path has {uuid} but declares no path parameter" in result.stderr
    _untouched(repo)


def test_apply_on_an_unchanged_site_writes_nothing(run: Any, repo: Path) -> None:
    result = run(DocsSite.from_document(VENDORED), "--apply", root=repo)
    assert (result.status, result.report["changed"]) == (0, False)
    _untouched(repo)


@pytest.mark.slow
def test_apply_regenerates_and_the_new_operation_must_then_be_named(run: Any, repo: Path) -> None:
    new = _edited(_add_remark, _add_logs)
    result = run(DocsSite.from_document(new), "--apply", root=repo)
    assert result.status == 0, result.stderr
    written = repo / "adminapi.yaml"
    assert diff_documents(new, load_yaml(written)).changes == []
    assert Inputs.at(repo).published.read_text(encoding="ascii") == Inputs.at(repo).published_line()

    package = repo / "generated" / PACKAGE
    assert (package / "api/default/get_api_keys_uuid_logs.py").is_file()
    assert operation_drift(package) == [
        "new operation module api/default/get_api_keys_uuid_logs.py: name the operation in adminapi.patch.yaml "
        "(operationId and tag), regenerate, and add it to OPERATIONS in tests/support/generated_tree.py"
    ]
    spec = json.loads((repo / "generated/provenance.json").read_text(encoding="utf-8"))["spec"]
    assert spec["sha256"] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert spec["source"]["url"] == result.report["source"]
    assert len(spec["source"]["sha256"]) == 64
    assert recorded_source(repo / "generated", Inputs.at(repo)) == spec["source"]  # what `check` regenerates with


@pytest.mark.parametrize(
    "args", [["--docs", "http://docs.geekai.co"], ["--document", "ftp://x/spec.yaml"], ["--bogus"]]
)
def test_bad_arguments_exit_2_before_anything_is_fetched(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "usage: python -m codegen.upstream" in capsys.readouterr().err


def test_the_markdown_summary_can_go_to_a_file_too(run: Any, tmp_path: Path) -> None:
    markdown = tmp_path / "report.md"
    result = run(DocsSite.from_document(VENDORED), "--markdown", str(markdown))
    assert result.status == 0
    assert markdown.read_text(encoding="utf-8") == result.stdout
