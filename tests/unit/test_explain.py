"""Validation errors as one line an LLM can act on: the field, the problem, the nearest
valid name of an unknown argument (nested ones included), no internal model names."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from movesia_mcp.catalog import TOOLS_BY_NAME
from movesia_mcp.catalog._models import did_you_mean, explain, fields_at
from movesia_mcp.catalog._tools import BatchParams, CreateParams, RenameParams


def explained(model: type, data: object) -> str:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)  # type: ignore[attr-defined]
    return explain(raised.value, model)


def test_an_unknown_argument_names_the_nearest_valid_one() -> None:
    text = explained(CreateParams, {"name": "Box", "positon": [1, 2, 3]})
    assert text == "positon: unknown argument (did you mean 'position'?)"


def test_an_unknown_argument_with_no_near_name_lists_the_valid_ones() -> None:
    text = explained(RenameParams, {"path": "A", "new_name": "B", "zzz": 1})
    assert text == "zzz: unknown argument (valid: path, instance_id, new_name)"


def test_an_unknown_field_of_a_nested_model_names_that_models_fields() -> None:
    text = explained(BatchParams, {"steps": [{"tool": "x", "argumnets": {}}]})
    assert text == "steps.0.argumnets: unknown argument (did you mean 'arguments'?)"


def test_a_wrong_shape_says_object_not_the_model_name() -> None:
    text = explained(BatchParams, {"steps": ["create_gameobject"]})
    assert text == "steps.0: should be an object"
    assert "BatchStep" not in text


def test_fields_at_walks_lists_and_optionals() -> None:
    assert fields_at(BatchParams, ("steps", 0)) == ["tool", "arguments"]
    assert fields_at(BatchParams, ()) == ["steps", "atomic"]
    assert fields_at(BatchParams, ("steps", 0, "tool")) == []
    assert fields_at(BatchParams, ("nowhere",)) == []


def test_did_you_mean() -> None:
    assert did_you_mean("dept", list(TOOLS_BY_NAME["get_hierarchy"].params.model_fields)) == (
        " (did you mean 'depth'?)"
    )
    assert did_you_mean("x", []) == ""
