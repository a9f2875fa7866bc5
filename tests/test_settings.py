"""Settings: where the store is, how it is spelled, and the anonymity threshold's range."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from servicechain.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SERVICECHAIN_* variables from outside, and an empty working directory."""
    import os

    for name in [n for n in os.environ if n.startswith("SERVICECHAIN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_default_store_is_a_duckdb_file_in_the_working_directory(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.database_url == f"duckdb:///{Path.cwd() / 'servicechain.duckdb'}"
    assert Path(settings.database_url.removeprefix("duckdb:///")).parent.resolve() == tmp_path.resolve()


def test_the_defaults(tmp_path: Path) -> None:
    settings = Settings()
    assert (settings.anonymity_threshold, settings.language) == (5, "nl")


def test_the_environment_sets_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICECHAIN_DATABASE_URL", "postgresql+psycopg://app@db.example/servicechain")
    assert Settings().database_url == "postgresql+psycopg://app@db.example/servicechain"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://app@db/sc", "postgresql+psycopg://app@db/sc"),
        (
            "postgresql://app:secret@db:6543/sc?sslmode=require",
            "postgresql+psycopg://app:secret@db:6543/sc?sslmode=require",
        ),
        ("postgresql+psycopg://app@db/sc", "postgresql+psycopg://app@db/sc"),
        ("duckdb:///data/servicechain.duckdb", "duckdb:///data/servicechain.duckdb"),
        ("duckdb:///:memory:", "duckdb:///:memory:"),
    ],
)
def test_database_urls_are_normalised(monkeypatch: pytest.MonkeyPatch, given: str, used: str) -> None:
    assert Settings(database_url=given).database_url == used
    monkeypatch.setenv("SERVICECHAIN_DATABASE_URL", given)
    assert Settings().database_url == used


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///servicechain.db",
        "mysql://root@localhost/sc",
        "postgresql+asyncpg://app@db/sc",
        "servicechain.duckdb",
        "",
        "duckdb:/servicechain.duckdb",
    ],
)
def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="unsupported database URL"):
        Settings(database_url=url)


def test_an_unsupported_url_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICECHAIN_DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(ValidationError, match=r"unsupported database URL 'sqlite:///x\.db'"):
        Settings()


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_anonymity_thresholds_from_3_to_10_are_accepted(threshold: int) -> None:
    assert Settings(anonymity_threshold=threshold).anonymity_threshold == threshold


@pytest.mark.parametrize("threshold", [0, 1, 2, 11, 100, -5])
def test_anonymity_thresholds_outside_3_to_10_are_refused(threshold: int) -> None:
    with pytest.raises(ValidationError, match="anonymity_threshold"):
        Settings(anonymity_threshold=threshold)


def test_the_anonymity_threshold_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICECHAIN_ANONYMITY_THRESHOLD", "7")
    assert Settings().anonymity_threshold == 7
    monkeypatch.setenv("SERVICECHAIN_ANONYMITY_THRESHOLD", "2")
    with pytest.raises(ValidationError):
        Settings()


def test_servicechain_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "servicechain.toml").write_text(
        'database_url = "postgresql://app@db/sc"\nanonymity_threshold = 7\nlanguage = "en"\n',
        encoding="utf-8",
    )
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://app@db/sc"
    assert (settings.anonymity_threshold, settings.language) == (7, "en")


def test_a_toml_file_elsewhere_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "servicechain.toml").write_text("anonymity_threshold = 7\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Settings().anonymity_threshold == 5


def test_the_environment_beats_the_toml_file_and_arguments_beat_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "servicechain.toml").write_text(
        'database_url = "duckdb:///from-toml.duckdb"\nanonymity_threshold = 7\n', encoding="utf-8"
    )
    monkeypatch.setenv("SERVICECHAIN_ANONYMITY_THRESHOLD", "8")
    settings = Settings()
    assert (settings.database_url, settings.anonymity_threshold) == (
        "duckdb:///from-toml.duckdb",
        8,
    )
    assert Settings(anonymity_threshold=4).anonymity_threshold == 4


def test_an_invalid_value_in_the_toml_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "servicechain.toml").write_text("anonymity_threshold = 2\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="anonymity_threshold"):
        Settings()
    (tmp_path / "servicechain.toml").write_text('database_url = "sqlite:///x.db"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="unsupported database URL"):
        Settings()


def test_response_digests_have_their_own_key_or_the_secret_key() -> None:
    assert Settings(secret_key="s3cret").response_digest_key == "s3cret"
    assert Settings(secret_key="s3cret", digest_key="d1gest").response_digest_key == "d1gest"


def test_human_sigma_cutoffs_come_from_the_environment_and_must_rise(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().human_sigma_cutoffs == (20.0, 35.0, 50.0, 65.0, 80.0)
    monkeypatch.setenv("SERVICECHAIN_HUMAN_SIGMA_CUTOFFS", "[10, 30, 50, 70, 90]")
    assert Settings().human_sigma_cutoffs == (10.0, 30.0, 50.0, 70.0, 90.0)
    for bad in ("[50, 35, 20, 65, 80]", "[0, 35, 50, 65, 80]", "[20, 35, 50, 65]"):
        monkeypatch.setenv("SERVICECHAIN_HUMAN_SIGMA_CUTOFFS", bad)
        with pytest.raises(ValidationError):
            Settings()
