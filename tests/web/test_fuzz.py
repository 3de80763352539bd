"""A schemathesis pass over the OpenAPI document, on every backend: requests made
from the schema (valid ones, then ones that break it) never get a 5xx, and
every response matches the status codes, content type and JSON schema the
document declares.  Bounded and derandomised, so it runs the same every time."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 8}


def test_no_server_errors_and_responses_match_the_schema(client: TestClient) -> None:
    # The app is already started by `client`, so the requests schemathesis makes
    # against it in-process find the service open and its read models current.
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 14
    calls = 0
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            if mode is GenerationMode.NEGATIVE and not _has_parameters(operation):
                continue  # nothing to get wrong

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(checks=CHECKS)

            check()
    assert calls > 12 * 10


def _has_parameters(operation: schemathesis.APIOperation) -> bool:
    return bool(len(operation.query) or len(operation.path_parameters))
