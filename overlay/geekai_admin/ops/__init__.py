"""geekai_admin.ops: key operations built on the clients' public methods.

Pure rules (selection, the report, the threshold check; keys as code: the keys file, its plan,
its export), multi-step operations (rotation, bulk changes), and where a new secret goes
(destinations). Each operation takes either client: with GeekAIAdmin it returns the result, with
AsyncGeekAIAdmin a coroutine to await.

from geekai_admin import GeekAIAdmin, ops

with GeekAIAdmin() as client:
    rotation = ops.rotate(client, "123e4567-e89b-12d3-a456-426614174000", on_created=store)
    print(ops.report(client).credit_used)
"""

from typing import TYPE_CHECKING

from geekai_admin import _lazy
from geekai_admin.ops._defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_EXPIRING_WITHIN,
    DEFAULT_MAX_USAGE,
    DEFAULT_NEAR_LIMIT,
)

if TYPE_CHECKING:
    from geekai_admin._constants import SORT_ORDERS, SortOrder
    from geekai_admin.ops._apply import (
        AppliedChange,
        ApplyInterrupted,
        ApplyOutcome,
        ApplyResult,
        Deliver,
        OutcomeUnknown,
        apply,
        apply_result_of,
    )
    from geekai_admin.ops._bulk import BulkInterrupted, BulkResult, delete_many, update_many
    from geekai_admin.ops._check import CheckResult, Problem, ProblemKind, check, check_report
    from geekai_admin.ops._destinations import (
        DESTINATION_FORMS,
        DeliveryError,
        DeliveryUncertain,
        Destination,
        EnvFileDestination,
        ExecDestination,
        FileDestination,
        keep_beside,
        parse_destination,
        stop_deliveries,
    )
    from geekai_admin.ops._export import Export, export_keys_file
    from geekai_admin.ops._handover import HandOverError, InterruptNote, create
    from geekai_admin.ops._keys_file import (
        NEVER,
        NO_LIMIT,
        DesiredKey,
        KeysFile,
        KeysFileError,
        load_keys_file,
        parse_keys_file,
    )
    from geekai_admin.ops._plan import MANAGED_FIELDS, Change, ChangeAction, FieldChange, Plan, plan
    from geekai_admin.ops._report import GroupSpend, Report, build_report, report
    from geekai_admin.ops._rotation import HandOver, Rotation, RotationError, RotationStep, retire, rotate
    from geekai_admin.ops._selection import KeyFilter, select_keys, sort_keys

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_EXPIRING_WITHIN",
    "DEFAULT_MAX_USAGE",
    "DEFAULT_NEAR_LIMIT",
    "DESTINATION_FORMS",
    "MANAGED_FIELDS",
    "NEVER",
    "NO_LIMIT",
    "SORT_ORDERS",
    "AppliedChange",
    "ApplyInterrupted",
    "ApplyOutcome",
    "ApplyResult",
    "BulkInterrupted",
    "BulkResult",
    "Change",
    "ChangeAction",
    "CheckResult",
    "Deliver",
    "DeliveryError",
    "DeliveryUncertain",
    "DesiredKey",
    "Destination",
    "EnvFileDestination",
    "ExecDestination",
    "Export",
    "FieldChange",
    "FileDestination",
    "GroupSpend",
    "HandOver",
    "HandOverError",
    "InterruptNote",
    "KeyFilter",
    "KeysFile",
    "KeysFileError",
    "OutcomeUnknown",
    "Plan",
    "Problem",
    "ProblemKind",
    "Report",
    "Rotation",
    "RotationError",
    "RotationStep",
    "SortOrder",
    "apply",
    "apply_result_of",
    "build_report",
    "check",
    "check_report",
    "create",
    "delete_many",
    "export_keys_file",
    "keep_beside",
    "load_keys_file",
    "parse_destination",
    "parse_keys_file",
    "plan",
    "report",
    "retire",
    "rotate",
    "select_keys",
    "sort_keys",
    "stop_deliveries",
    "update_many",
]

# As in geekai_admin: names load on first use (PEP 562), so that the command's parser can read the
# defaults above without importing httpx and the generated package.
_MODULES = {
    "geekai_admin._constants": ("SORT_ORDERS", "SortOrder"),
    "geekai_admin.ops._apply": (
        "AppliedChange",
        "ApplyInterrupted",
        "ApplyOutcome",
        "ApplyResult",
        "Deliver",
        "OutcomeUnknown",
        "apply",
        "apply_result_of",
    ),
    "geekai_admin.ops._bulk": ("BulkInterrupted", "BulkResult", "delete_many", "update_many"),
    "geekai_admin.ops._check": ("CheckResult", "Problem", "ProblemKind", "check", "check_report"),
    "geekai_admin.ops._report": ("GroupSpend", "Report", "build_report", "report"),
    "geekai_admin.ops._handover": ("HandOverError", "InterruptNote", "create"),
    "geekai_admin.ops._rotation": ("HandOver", "Rotation", "RotationError", "RotationStep", "retire", "rotate"),
    "geekai_admin.ops._selection": ("KeyFilter", "select_keys", "sort_keys"),
    "geekai_admin.ops._destinations": (
        "DESTINATION_FORMS",
        "DeliveryError",
        "DeliveryUncertain",
        "Destination",
        "EnvFileDestination",
        "ExecDestination",
        "FileDestination",
        "keep_beside",
        "parse_destination",
        "stop_deliveries",
    ),
    "geekai_admin.ops._export": ("Export", "export_keys_file"),
    "geekai_admin.ops._keys_file": (
        "NEVER",
        "NO_LIMIT",
        "DesiredKey",
        "KeysFile",
        "KeysFileError",
        "load_keys_file",
        "parse_keys_file",
    ),
    "geekai_admin.ops._plan": (
        "MANAGED_FIELDS",
        "Change",
        "ChangeAction",
        "FieldChange",
        "Plan",
        "plan",
    ),
}
if not TYPE_CHECKING:  # a module __getattr__ would make type checkers accept any attribute
    __getattr__, __dir__ = _lazy.loader(__name__, _MODULES, __all__, globals())
