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
    comment_threshold: int = Field(
        default=10,
        ge=5,
        le=50,
        description="Minimum number of respondents of a group before its employee comments (quotes, "
        "aspects, themes) are shown; never below the anonymity threshold.",
    )
    aspect_taxonomy: Path | None = Field(
        default=None,
        description="YAML file of the aspects found in texts, with Dutch and English terms (default: "
        "the shipped taxonomy).",
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

    public_url: str | None = Field(
        default=None,
        description="Address people use to reach this site (https://survey.example.com), for survey "
        "links, QR codes and alert e-mails; default http://HOST:PORT.",
    )
    survey_reward: str | None = Field(
        default=None,
        description="Reward promised at the end of the customer surveys (e.g. 'A free coffee on your "
        "next visit'); a personal reward code is shown with it. Empty: no reward.",
    )
    alert_rules: Path | None = Field(
        default=None, description="YAML file of closed-loop alert rules (default: the shipped rules)."
    )
    incentive_rules: Path | None = Field(
        default=None, description="YAML file of incentive rules (default: the shipped rules)."
    )
    alert_webhook_url: str | None = Field(
        default=None, description="POST each new alert as JSON to this URL (HMAC-signed)."
    )
    alert_webhook_secret: str | None = Field(
        default=None, description="Key of the webhook's X-Servicechain-Signature (default: secret_key)."
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for alert e-mails (none: none).")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str | None = Field(default=None, description="SMTP login, if the server needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_from: str = Field(default="servicechain@localhost", description="Sender of alert e-mails.")
    alert_email_to: list[str] = Field(
        default_factory=list,
        description="Extra recipients of every alert e-mail, besides the unit's managers.",
    )
    results_max_age_minutes: float = Field(
        default=10.0,
        gt=0,
        description="Responses collected by the server reach the dashboards within this time.",
    )
    intake_rate_per_second: float = Field(
        default=50.0, gt=0, description="Default rate limit of a new intake API key (requests/s)."
    )

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
    def site_url(self) -> str:
        """The address people reach this site at: ``public_url``, else ``http://HOST:PORT``."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

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
