"""Input shapes for account forms and API bodies (validated by pydantic, documented in OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from disclosure.accounts.models import TokenScope


class LoginForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeForm(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=12, max_length=1024)
    confirm_password: str = Field(min_length=1, max_length=1024)

    @field_validator("confirm_password")
    @classmethod
    def _confirms_the_new_password(cls, value: str, info: ValidationInfo) -> str:
        if "new_password" in info.data and value != info.data["new_password"]:
            raise ValueError("Does not match the new password.")
        return value


class TokenRequest(BaseModel):
    """A new API token for the signed-in user."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=120)
    scopes: list[TokenScope] = Field(min_length=1)
    expires_in_days: int = Field(default=90, ge=1, le=366)
