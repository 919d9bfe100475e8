"""The one way an HTML form is read and shown again when it fails.

A view parses the form into its input model (`parse_form`), calls its verb and, on a domain
error, renders the same page with the input kept and each error at its field (`rerender`).
What the failed verb wrote is rolled back at once, so that what the page then records (the
audit events of the decryptions it shows) is still committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pydantic

from disclosure.errors import DomainError, ValidationError
from disclosure.http.context import discard_changes
from disclosure.http.errors import pydantic_fields

Model = TypeVar("Model", bound=pydantic.BaseModel)


def parse_form(model: type[Model], data: Mapping[str, Any]) -> Model:
    """The form's fields as `model`; ValidationError naming every bad field at once."""
    try:
        return model.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise ValidationError("Some fields are invalid.", fields=pydantic_fields(exc)) from None


def form_errors(exc: DomainError, *, summary: str = "form") -> dict[str, str]:
    """Each error at its field, and the message under `summary` (the form's own line)."""
    return {**exc.fields, summary: exc.message}


def rerender(
    exc: DomainError,
    page: Callable[[dict[str, str]], str],
    *,
    summary: str = "form",
    keep_writes: bool = False,
) -> tuple[str, int]:
    """The page again with the errors, under the error's status. `keep_writes` keeps what the
    verb wrote before it failed (a failed sign-in must still count against the account)."""
    if not keep_writes:
        discard_changes()
    return page(form_errors(exc, summary=summary)), exc.status
