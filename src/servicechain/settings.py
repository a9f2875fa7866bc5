"""The one settings object, read from ``SERVICECHAIN_*`` variables and ``servicechain.toml``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE_FILE = "servicechain.duckdb"
PLACEHOLDER_SECRET = "change-me"
SUPPORTED_SCHEMES = ("duckdb", "postgresql", "postgresql+psycopg")


def default_database_url() -> str:
    """A DuckDB file ``servicechain.duckdb`` in the current working directory."""
    return f"duckdb:///{Path.cwd() / DEFAULT_DATABASE_FILE}"


class Settings(BaseSettings):
    """Configuration of one servicechain installation.

    Example::

        SERVICECHAIN_DATABASE_URL=postgresql+psycopg://app@db/servicechain servicechain status
    """

    model_config = SettingsConfigDict(
        env_prefix="SERVICECHAIN_", toml_file="servicechain.toml", extra="ignore"
    )

    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL of the store: duckdb:///path or postgresql+psycopg://...",
    )
    anonymity_threshold: int = Field(
        default=5, ge=3, le=10, description="Minimum group size for employee results."
    )
    language: Literal["nl", "en"] = Field(default="nl", description="Default language.")
    secret_key: str = Field(
        default=PLACEHOLDER_SECRET,
        description="Signs sessions and tokens (the server refuses the placeholder).",
    )
    digest_key: str | None = Field(
        default=None,
        description="Keys the digests of employee response ids (default: secret_key). Keep it "
        "stable: a new key makes earlier employee files look new. Set it to rotate secret_key freely.",
    )

    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port of the web server.")
    secure_cookies: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only (serve --dev turns it off for plain http).",
    )
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, description="How long a login lasts.")

    human_sigma_cutoffs: tuple[float, float, float, float, float] = Field(
        default=(20.0, 35.0, 50.0, 65.0, 80.0),
        description="Human Sigma composite values (0..100) where levels 2, 3, 4, 5 and 6 begin.",
    )

    @field_validator("human_sigma_cutoffs")
    @classmethod
    def _rising_cutoffs(cls, cutoffs: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < value < 100 for value in cutoffs) or list(cutoffs) != sorted(set(cutoffs)):
            raise ValueError("five rising values between 0 and 100, e.g. [20, 35, 50, 65, 80]")
        return cutoffs

    @property
    def response_digest_key(self) -> str:
        """The key of employee response digests."""
        return self.digest_key or self.secret_key

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        scheme = url.split("://", 1)[0]
        if "://" not in url or scheme not in SUPPORTED_SCHEMES:
            raise ValueError(
                f"unsupported database URL {url!r}: use duckdb:///FILE or postgresql+psycopg://USER@HOST/DB"
            )
        if scheme == "postgresql":
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments win, then the environment, then ``servicechain.toml``."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
