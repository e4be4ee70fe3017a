"""Hands-on labs: learner code runs in a bubblewrap sandbox and is graded by hidden tests.

Public API (see docs/labs.md):
- ``LabSpec.load(folder)`` reads a lab (``lab.instance(seed)`` for a parameterised one);
  ``grade_submission`` / ``run_visible_tests`` grade;
- ``LabResult`` (the versioned contract) and ``last_ditch_result``;
- ``Limits``, ``SandboxConfig``, ``sandbox_status``, ``SandboxUnavailable``;
- ``extract_zip`` / ``ArchiveError`` for uploads; ``OpenAIStub`` for offline API labs;
- ``setup_lab_environment``, ``ensure_sandbox_user``, ``measure_sandbox_overhead``.
"""

from assessments.labs.archive import ArchiveError, ArchiveLimits, extract_zip
from assessments.labs.environment import ensure_sandbox_user, setup_lab_environment
from assessments.labs.limits import Limits
from assessments.labs.model_calls import ModelCalls
from assessments.labs.openai_stub import OpenAIStub
from assessments.labs.overhead import measure_sandbox_overhead
from assessments.labs.results import (
    LabResult,
    ResultStatus,
    TestResult,
    TestStatus,
    Visibility,
    last_ditch_result,
)
from assessments.labs.runner import grade_submission, run_visible_tests
from assessments.labs.sandbox import SandboxConfig, SandboxUnavailable, sandbox_status
from assessments.labs.spec import GENERATOR_SEEDS_CHECKED, LabSpec, LabSpecError, TestCase

__all__ = [
    "GENERATOR_SEEDS_CHECKED",
    "ArchiveError",
    "ArchiveLimits",
    "LabResult",
    "LabSpec",
    "LabSpecError",
    "Limits",
    "ModelCalls",
    "OpenAIStub",
    "ResultStatus",
    "SandboxConfig",
    "SandboxUnavailable",
    "TestCase",
    "TestResult",
    "TestStatus",
    "Visibility",
    "ensure_sandbox_user",
    "extract_zip",
    "grade_submission",
    "last_ditch_result",
    "measure_sandbox_overhead",
    "run_visible_tests",
    "sandbox_status",
    "setup_lab_environment",
]
